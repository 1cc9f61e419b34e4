import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Chain } from '../../src/chain/chain.js'
import { verifyChainStore } from '../../src/chain/verify.js'
import { createConsensus } from '../../src/consensus/create.js'
import { encode } from '../../src/encoding/cbor.js'
import { encodeBlock } from '../../src/ledger/block.js'
import { ContractVm } from '../../src/vm/vm.js'
import { extendChain, openTestChain, signed, tempDir, testGenesis, testKey } from '../helpers/chain.js'

const CHILD = fileURLToPath(new URL('./import-child.js', import.meta.url))
const KILLS = 20
const BLOCKS = 240
/** Longest a child may run before the test gives up on it. */
const CHILD_TIMEOUT_MS = 60_000

/** Starts the importer, kills it with SIGKILL after `delayMs` (or lets it finish); resolves when it is gone. */
async function runChild(dbPath: string, blocksFile: string, delayMs: number | undefined): Promise<{ killed: boolean; lastHeight: number }> {
  const child = spawn(process.execPath, ['--enable-source-maps', CHILD, dbPath, blocksFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const guard = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS)
  let killed = false
  if (delayMs !== undefined) {
    // wait until it has started importing, then kill it at a random point
    const started = Date.now()
    while (!output.includes('\n') && Date.now() - started < CHILD_TIMEOUT_MS && child.exitCode === null) await sleep(5)
    await sleep(delayMs)
    killed = child.kill('SIGKILL')
  }
  const code = await exited
  clearTimeout(guard)
  if (!killed) assert.equal(code, 0, `importer failed: ${errors}`)
  const heights = output.split('\n').filter((line) => /^\d+$/.test(line)).map(Number)
  return { killed, lastHeight: heights.at(-1) ?? -1 }
}

test('SIGKILL at random points during import never leaves the database inconsistent', async (t) => {
  // blocks with transactions, so each import writes state, receipts, undo logs and trie nodes
  const source = await openTestChain(t)
  const users = Array.from({ length: BLOCKS * 4 }, (_, i) => testKey(`crash user ${i}`))
  const blocks = await extendChain(source, BLOCKS, (height) =>
    users.slice((height - 1) * 4, height * 4).map((key) => signed(source, key, 0, { kind: 'participant', name: null })),
  )
  const dir = await tempDir(t)
  const blocksFile = join(dir, 'blocks.cbor')
  await writeFile(blocksFile, encode(blocks.map(encodeBlock)))
  const genesis = testGenesis()
  let dbPath = join(dir, 'db-0')
  let kills = 0
  let previousHeight = 0
  // kill until KILLS kills have landed; when an import completes first, start again on a new database
  for (let round = 0; kills < KILLS && round < KILLS * 4; round++) {
    const { killed } = await runChild(dbPath, blocksFile, Math.floor(Math.random() * 100))
    if (killed) kills++
    const vm = new ContractVm()
    const chain = await Chain.open({ path: dbPath, genesis, consensus: createConsensus(genesis), vm })
    try {
      const report = await verifyChainStore(chain.store, chain.consensus)
      assert.deepEqual(report.problems, [], `after kill ${kills} at height ${report.height}`)
      assert.ok(report.height >= previousHeight, 'the head never goes back')
      previousHeight = report.height
    } finally {
      await chain.close()
      vm.close()
    }
    if (previousHeight === BLOCKS) {
      dbPath = join(dir, `db-${round + 1}`)
      previousHeight = 0
    }
  }
  assert.equal(kills, KILLS)
  // a last, uninterrupted run completes the chain and ends on the source's head
  await runChild(dbPath, blocksFile, undefined)
  const vm = new ContractVm()
  const chain = await Chain.open({ path: dbPath, genesis, consensus: createConsensus(genesis), vm })
  t.after(async () => {
    await chain.close()
    vm.close()
  })
  assert.deepEqual(chain.head.hash, source.head.hash)
  assert.deepEqual((await verifyChainStore(chain.store, chain.consensus)).problems, [])
})
