/**
 * Participants and encrypted records across three real node processes joined by --bootstrap:
 * an account registered with `chain account register`, a record put through one node and read
 * through another by its recipients (and refused to a third participant with exit code 6),
 * a key rotation that leaves the old record readable and sends the new one to the new key,
 * bad input refused with one line and nothing written to the keystore, and the plaintext
 * found nowhere: not in any node's log, not in any file of the data dirs, not in any LevelDB
 * entry (blocks included).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { sha256 } from '../../src/crypto/hash.js'
import { formatParticipantId, participantIdOf } from '../../src/crypto/identity.js'
import { fromHex, toHex, utf8 } from '../../src/encoding/bytes.js'
import { encodeTransaction, intrinsicGas, signTransaction } from '../../src/ledger/transaction.js'
import { chainDbDir } from '../../src/node/datadir.js'
import { errorLine } from '../helpers/cli.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'

/** Registration, a record, a rotation each need a block or two: seconds on the dev network. */
const STEP_TIMEOUT_MS = 90_000

interface Participant {
  readonly encryptionKey: { readonly publicKey: string } | null
}

const registered = async (node: TestNode, id: string): Promise<boolean> =>
  (await node.rpc.call<{ registered: boolean }>('getNonce', { id })).registered

const encryptionKeyOn = async (node: TestNode, id: string): Promise<string | undefined> => {
  try {
    return (await node.rpc.call<Participant>('getParticipant', { id })).encryptionKey?.publicKey
  } catch {
    return undefined
  }
}

function json<T>(result: { code: number | null; stdout: string; stderr: string }): T {
  assert.equal(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as T
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await filesUnder(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

/** The keystore's files and their contents: what a failed command must leave unchanged. */
async function keystoreSnapshot(datadir: string): Promise<Record<string, string>> {
  const dir = join(datadir, 'keystore')
  const snapshot: Record<string, string> = {}
  for (const name of await readdir(dir)) snapshot[name] = await readFile(join(dir, name), 'utf8')
  return snapshot
}

test('records put through one node are read through another by their recipients only, and their plaintext is stored nowhere', async (t) => {
  const miner = await startNode(t, { mine: true })
  const bootstrap = [miner.info.multiaddrs[0]!]
  const second = await startNode(t, { bootstrap })
  const third = await startNode(t, { bootstrap })
  const nodes = [miner, second, third]
  for (const node of nodes) {
    await waitFor('a peer', async () => ((await node.rpc.call<{ peers: number }>('status')).peers > 0 ? true : undefined), STEP_TIMEOUT_MS)
  }
  // each node registers its identity by itself, with the identity's encryption key
  for (const node of nodes) await waitFor('registration with a key', async () => ((await encryptionKeyOn(miner, node.id)) !== undefined ? true : undefined), STEP_TIMEOUT_MS)

  // another account of the second data dir: listed as not registered, then registered by command
  const made = json<{ id: string }>(await second.cli(['account', 'new', '--light-kdf', '--no-mnemonic', '--json', '--password-file', join(second.datadir, 'password')]))
  const extra = made.id
  const listed = (await second.cli(['account', 'list', '--json'])).stdout
  assert.deepEqual((JSON.parse(listed) as { id: string; registered: boolean | null }[]).map((a) => [a.id, a.registered]), [[second.id, true], [extra, false]])
  const extraRegistration = json<{ id: string; tx: string; encryptionKey: string; block: { height: number } }>(
    await second.cli(['account', 'register', extra, '--name', 'Extra', '--wait', '--json']),
  )
  assert.equal(extraRegistration.id, extra)
  const relisted = JSON.parse((await second.cli(['account', 'list', '--json'])).stdout) as { id: string; registered: boolean; encryptionKey: string }[]
  assert.deepEqual(relisted.map((a) => a.registered), [true, true])
  assert.equal(relisted[1]!.encryptionKey, extraRegistration.encryptionKey)
  const again = await second.cli(['account', 'register', extra])
  assert.equal(again.code, 1)
  assert.match(errorLine(again.stderr), /is already registered/)
  await waitFor('the registration on the miner', async () => ((await registered(miner, extra)) ? true : undefined), STEP_TIMEOUT_MS)

  // a record from the miner's identity to the second node's identity and the extra account
  const secret = `the plaintext ${randomUUID()}`
  const put = json<{ hash: string; recipients: string[]; block: { height: number } }>(
    await miner.cli(['data', 'put', '--to', second.id, '--to', extra, '--text', secret, '--wait', '--json']),
  )
  assert.deepEqual([...put.recipients].sort(), [miner.id, second.id, extra].sort())
  await waitFor('the record on the second node', async () => {
    const list = json<{ hash: string }[]>(await second.cli(['data', 'list', '--json']))
    return list.some((entry) => entry.hash === put.hash) ? true : undefined
  }, STEP_TIMEOUT_MS)

  // read through another node by both recipients, and by the sender through its own
  for (const [node, account] of [[second, second.id], [second, extra], [miner, miner.id]] as const) {
    const got = json<{ text: string; sender: string }>(await node.cli(['data', 'get', put.hash, '--account', account, '--json']))
    assert.equal(got.text, secret)
    assert.equal(got.sender, miner.id)
  }
  // by no third participant: a clear error and exit code 6
  await waitFor('the record on the third node', async () => third.rpc.call('getRecord', { hash: put.hash }).then(() => true, () => undefined), STEP_TIMEOUT_MS)
  const refused = await third.cli(['data', 'get', put.hash])
  assert.equal(refused.code, 6, refused.stderr)
  assert.equal(errorLine(refused.stderr), `${third.id} is not a recipient of record ${put.hash}`)

  // a participant registered without an encryption key (as before keys existed), sent as raw bytes
  const keyless = sha256(utf8(`keyless ${randomUUID()}`))
  const keylessId = formatParticipantId(participantIdOf(publicKeyOf(keyless)))
  const registration = { kind: 'participant' as const, name: null }
  const networkId = fromHex((await miner.rpc.call<{ genesis: string }>('status')).genesis)!
  const keylessTx = signTransaction({ ...registration, publicKey: publicKeyOf(keyless), nonce: 0, gasLimit: intrinsicGas(registration) }, keyless, networkId)
  await miner.rpc.call('sendTransaction', { tx: toHex(encodeTransaction(keylessTx)) })
  await waitFor('the keyless registration', async () => ((await registered(miner, keylessId)) ? true : undefined), STEP_TIMEOUT_MS)

  // bad input is refused with one line and a non-zero exit, nothing written to the keystore
  const before = await keystoreSnapshot(miner.datadir)
  const big = join(miner.datadir, 'big.bin')
  await writeFile(big, new Uint8Array(32 * 1024 + 1))
  const unregistered = json<{ id: string }>(await third.cli(['account', 'new', '--light-kdf', '--no-mnemonic', '--json', '--password-file', join(third.datadir, 'password')])).id
  const bad: [string[], RegExp][] = [
    [['--to', second.id, big], /32769 bytes of data; a record holds at most 32768/],
    [['--to', unregistered, '--text', 'x'], /is not a registered participant/],
    [['--to', keylessId, '--text', 'x'], /has published no encryption key/],
    [['--to', second.id, '--to', second.id, '--text', 'x'], /is named twice/],
    [['--to', 'ch1notanid', '--text', 'x'], /invalid participant id/],
  ]
  for (const [args, message] of bad) {
    const result = await miner.cli(['data', 'put', ...args])
    assert.notEqual(result.code, 0, args.join(' '))
    assert.match(errorLine(result.stderr), message)
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
  }
  assert.deepEqual(await keystoreSnapshot(miner.datadir), before)

  // the second node's identity rotates its key: the old record stays readable, the new one goes to the new key
  const rotated = json<{ encryptionKey: string }>(await second.cli(['account', 'rotate-key', '--wait', '--json']))
  await waitFor('the new key on the miner', async () => ((await encryptionKeyOn(miner, second.id)) === rotated.encryptionKey ? true : undefined), STEP_TIMEOUT_MS)
  const later = `${secret} (after the rotation)`
  const put2 = json<{ hash: string }>(await miner.cli(['data', 'put', '--to', second.id, '--text', later, '--wait', '--json']))
  const shown = json<{ recipients: { id: string; key: string }[] }>(await miner.cli(['tx', 'show', put2.hash, '--json']))
  assert.equal(shown.recipients.find((r) => r.id === second.id)?.key, rotated.encryptionKey)
  await waitFor('the second record on the second node', async () => {
    const result = await second.cli(['data', 'get', put2.hash, '--json'])
    return result.code === 0 ? (JSON.parse(result.stdout) as { text: string }).text : undefined
  }, STEP_TIMEOUT_MS).then((text) => assert.equal(text, later))
  assert.equal(json<{ text: string }>(await second.cli(['data', 'get', put.hash, '--json'])).text, secret)

  // the record's bytes, as every node stores and serves them, do not hold the plaintext
  const raw = (await second.rpc.call<{ tx: string }>('getRecord', { hash: put.hash })).tx
  assert.equal(raw.includes(Buffer.from(secret).toString('hex')), false)

  // the plaintext appears nowhere: logs, files, database entries (blocks, state, indexes)
  for (const node of nodes) await node.stop()
  const needles = [secret, later].map((text) => Buffer.from(text))
  for (const node of nodes) {
    for (const needle of needles) assert.equal(Buffer.from(node.log()).includes(needle), false, `${node.id}'s log`)
    for (const file of await filesUnder(node.datadir)) {
      if ((await stat(file)).size > 64 * 1024 * 1024) continue
      const bytes = await readFile(file)
      for (const needle of needles) assert.equal(bytes.includes(needle), false, file)
    }
    const db = new ClassicLevel<Uint8Array, Uint8Array>(chainDbDir(node.datadir, 'dev'), { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
    await db.open()
    let entries = 0
    try {
      for await (const [key, value] of db.iterator()) {
        entries++
        for (const needle of needles) assert.equal(Buffer.from(key).includes(needle) || Buffer.from(value).includes(needle), false, 'a database entry')
      }
    } finally {
      await db.close()
    }
    assert.ok(entries > 0)
  }
})
