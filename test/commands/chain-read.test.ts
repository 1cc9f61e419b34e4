/**
 * The commands that read a data dir with no node running (`block show`, `tx show`,
 * `db verify`), and `genesis`.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { networkIdOf } from '../../src/chain/genesis-block.js'
import { toHex } from '../../src/encoding/bytes.js'
import { parseGenesis } from '../../src/ledger/genesis.js'
import { BUILT_IN_NETWORKS } from '../../src/ledger/networks.js'
import { keys } from '../../src/store/keys.js'
import { blockHash, transactionHashes } from '../../src/ledger/block.js'
import { chainDbDir, ensureNetworkDir } from '../../src/node/datadir.js'
import { errorLine, runChain } from '../helpers/cli.js'
import { extendChain, openTestChain, signed, tempDir, testGenesis, testKey } from '../helpers/chain.js'

test('block show and tx show read a data dir offline, with --json shapes, exit codes and one-line errors', async (t) => {
  const datadir = await tempDir(t)
  const genesis = testGenesis()
  await ensureNetworkDir(datadir, genesis)
  const chain = await openTestChain(t, genesis, chainDbDir(datadir, genesis.network))
  const alice = testKey('reader alice')
  const blocks = await extendChain(chain, 3, (height) => (height === 2 ? [signed(chain, alice, 0, { kind: 'participant', name: 'alice' })] : []))
  await chain.close()
  const txHash = toHex(transactionHashes(blocks[1]!.transactions)[0]!)

  const latest = await runChain(['block', 'show', 'latest', '--json', '--datadir', datadir])
  assert.equal(latest.code, 0, latest.stderr)
  const head = JSON.parse(latest.stdout) as Record<string, unknown>
  assert.equal(head.hash, toHex(blockHash(blocks[2]!.header)))
  assert.equal(head.height, 3)
  assert.equal(head.canonical, true)
  for (const field of ['version', 'parentHash', 'timestamp', 'txRoot', 'stateRoot', 'receiptsRoot', 'gasUsed', 'producer', 'difficulty', 'seal', 'totalWork', 'transactions']) {
    assert.ok(field in head, `block show --json has ${field}`)
  }
  const byHeight = await runChain(['block', 'show', '2', '--json', '--datadir', datadir])
  assert.deepEqual((JSON.parse(byHeight.stdout) as { transactions: string[] }).transactions, [txHash])
  const byHash = await runChain(['block', 'show', toHex(blockHash(blocks[0]!.header)), '--datadir', datadir])
  assert.equal(byHash.code, 0)
  assert.match(byHash.stdout, /^block 1 {2}[0-9a-f]{64}\n/)

  const tx = await runChain(['tx', 'show', txHash, '--json', '--datadir', datadir])
  assert.equal(tx.code, 0, tx.stderr)
  const shown = JSON.parse(tx.stdout) as { hash: string; kind: string; name: string; nonce: number; pending: boolean; block: { height: number; index: number }; receipt: { status: string } }
  assert.deepEqual(
    { hash: shown.hash, kind: shown.kind, name: shown.name, nonce: shown.nonce, pending: shown.pending, block: { height: shown.block.height, index: shown.block.index }, status: shown.receipt.status },
    { hash: txHash, kind: 'participant', name: 'alice', nonce: 0, pending: false, block: { height: 2, index: 0 }, status: 'ok' },
  )

  const txText = await runChain(['tx', 'show', txHash, '--datadir', datadir])
  assert.equal(txText.code, 0, txText.stderr)
  assert.match(txText.stdout, /^ {2}name {5}alice$/m)
  assert.match(txText.stdout, /^ {2}status {3}ok$/m)
  assert.match(txText.stdout, /^ {2}gas used \d+ of 1000000$/m)

  // not found: exit 3; a malformed argument: a one-line error, non-zero exit
  const nowhere = await runChain(['block', 'show', '99', '--datadir', datadir])
  assert.equal(nowhere.code, 3)
  assert.equal(errorLine(nowhere.stderr), 'block 99 not found')
  const unknownTx = await runChain(['tx', 'show', 'ab'.repeat(32), '--datadir', datadir])
  assert.equal(unknownTx.code, 3)
  assert.equal(errorLine(unknownTx.stderr), `transaction ${'ab'.repeat(32)} not found`)
  const garbled = await runChain(['block', 'show', 'yesterday', '--datadir', datadir])
  assert.equal(garbled.code, 2)
  assert.equal(errorLine(garbled.stderr), 'expected latest, a height or a block hash, got "yesterday"')
  assert.equal(garbled.stderr.trim().split('\n').length, 1, 'one line, no stack trace')
  const shortHash = await runChain(['tx', 'show', 'abc', '--datadir', datadir])
  assert.equal(errorLine(shortHash.stderr), 'transaction hash must be 64 hex digits, got "abc"')
  const noChain = await runChain(['block', 'show', '--datadir', join(datadir, 'empty')])
  assert.equal(noChain.code, 1)
  assert.equal(errorLine(noChain.stderr), `no chain data in ${join(datadir, 'empty')}: run \`chain node\` first`)
})

test('db verify finds a consistent database consistent and a damaged one damaged (exit 5)', async (t) => {
  const datadir = await tempDir(t)
  const genesis = testGenesis()
  await ensureNetworkDir(datadir, genesis)
  const path = chainDbDir(datadir, genesis.network)
  const chain = await openTestChain(t, genesis, path)
  await extendChain(chain, 4, (height) => (height === 3 ? [signed(chain, testKey('verify bob'), 0, { kind: 'participant', name: null })] : []))
  await chain.close()

  const good = await runChain(['db', 'verify', '--json', '--datadir', datadir])
  assert.equal(good.code, 0, good.stderr)
  assert.deepEqual(JSON.parse(good.stdout), { height: 4, head: toHex(chain.head.hash), blocks: 5, transactions: 1, events: 0, stateKeys: 1, problems: [] })

  // lose the canonical index entry of height 2, as a bad disk might
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.del(keys.canonical(2))
  await db.close()
  const bad = await runChain(['db', 'verify', '--datadir', datadir])
  assert.equal(bad.code, 5)
  // the missing entry itself, and the total work of height 3 that can no longer be checked against it
  assert.match(bad.stdout, /problem: height 2: canonical index does not name [0-9a-f]{64}\n/)
  assert.match(bad.stdout, /problem: height 3: total work does not add up\n/)
  assert.equal(errorLine(bad.stderr), 'the database has 2 problem(s)')
})

test('genesis prints a genesis file that parses back, and the network id', async () => {
  const dev = await runChain(['genesis', '--network', 'dev', '--json'])
  assert.equal(dev.code, 0, dev.stderr)
  const { networkId, genesis } = JSON.parse(dev.stdout) as { networkId: string; genesis: object }
  assert.equal(networkId, toHex(networkIdOf(BUILT_IN_NETWORKS.dev!)))
  assert.deepEqual(parseGenesis(JSON.stringify(genesis)), BUILT_IN_NETWORKS.dev)
  const text = await runChain(['genesis', '--network', 'main'])
  assert.deepEqual(parseGenesis(text.stdout), BUILT_IN_NETWORKS.main)
  assert.equal(text.stderr.trim(), `network id ${toHex(networkIdOf(BUILT_IN_NETWORKS.main!))}`)
})
