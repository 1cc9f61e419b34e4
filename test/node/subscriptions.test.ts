/**
 * Events and subscriptions across a reorganisation, between real node processes: node A
 * deploys the counter and increments it on its own chain (a client-library subscription sees
 * the pending transactions and the events), node B mines a heavier chain apart; when they are
 * joined, A's subscribers — a `ChainClient` subscription and `chain events --follow` — get A's
 * events again flagged removed, and the events index no longer has them. `chain console` and
 * `chain events` are run against A too.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unlockIdentity } from '../../src/client/accounts.js'
import type { EventView } from '../../src/chain/events.js'
import type { BlockView, TransactionView } from '../../src/chain/views.js'
import { GENESIS_TIME_MS, tempDir } from '../helpers/chain.js'
import { CHAIN_BIN, cleanEnv, GOOD_PASSWORD, REPO_ROOT, runChain } from '../helpers/cli.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'

const COUNTER = join(REPO_ROOT, 'docs', 'examples', 'counter.js')
const STEP_TIMEOUT_MS = 120_000
/** Quarter-second blocks, so B's heavier chain takes seconds. */
const GENESIS = {
  network: 'reorg-events',
  timestamp: GENESIS_TIME_MS,
  params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: 250 },
  consensus: { type: 'pow', initialDifficulty: '1000', minimumDifficulty: '1000' },
  participants: [],
}

const work = async (node: TestNode): Promise<bigint> => BigInt((await node.client.status()).totalWork)

/** Collects what an async iterable yields, in the background. */
function collect<T>(items: AsyncIterable<T>): { readonly seen: T[]; readonly done: Promise<unknown> } {
  const seen: T[] = []
  const done = (async () => {
    for await (const item of items) seen.push(item)
  })().catch((error: unknown) => error)
  return { seen, done }
}

test('a reorganisation sends the abandoned events again, flagged removed, to every subscriber', async (t) => {
  const genesis = join(await tempDir(t), 'genesis.json')
  await writeFile(genesis, JSON.stringify(GENESIS))

  // A's own chain: registration, the counter, one increment, seen live by a subscriber.
  const a = await startNode(t, { genesis, mine: true })
  await waitFor('A registered', async () => ((await a.client.getNonce(a.id)).registered ? true : undefined), STEP_TIMEOUT_MS)
  const pending = collect<TransactionView>(await a.client.subscribe('pendingTransactions'))
  const heads = collect<BlockView>(await a.client.subscribe('newHeads'))
  const live = collect<EventView>(await a.client.subscribe('events', { names: ['Incremented'] }))
  const account = await unlockIdentity(a.datadir, GOOD_PASSWORD)
  const deploy = await a.client.send(account, { kind: 'contract-deploy', code: await readFile(COUNTER, 'utf8'), args: '[3]' }, { wait: true })
  const contract = deploy.included?.receipt?.contract
  assert.ok(contract !== undefined && contract !== null, 'the deploy made a contract')
  const increment = await a.client.send(account, { kind: 'contract-call', contract, method: 'increment', args: '[5]' }, { wait: true })
  account.secretKey.fill(0)
  assert.equal(increment.included?.receipt?.status, 'ok')
  await waitFor('the live event', () => (live.seen.length > 0 ? true : undefined), STEP_TIMEOUT_MS)
  const original = live.seen[0]!
  assert.deepEqual({ ...original, blockHash: '', height: 0 }, {
    contract,
    name: 'Incremented',
    data: { by: 5, count: 8 },
    height: 0,
    blockHash: '',
    txHash: increment.hash,
    txIndex: original.txIndex,
    eventIndex: 0,
    removed: false,
  })
  assert.equal(original.height, increment.included?.block?.height)
  assert.ok(pending.seen.some((tx) => tx.hash === deploy.hash && tx.kind === 'contract-deploy'), 'the deploy was announced pending')
  assert.ok(heads.seen.some((head) => head.height === original.height && head.hash === original.blockHash), 'the event’s block was announced')
  const past = await a.cli(['events', '--contract', contract, '--json'])
  assert.equal(past.code, 0, past.stderr)
  assert.deepEqual((JSON.parse(past.stdout) as { events: EventView[] }).events, [original])
  const aWork = await work(a)
  await a.stop()

  // B mines apart from genesis until its chain is clearly heavier.
  const b = await startNode(t, { genesis, mine: true })
  await waitFor('B heavier', async () => ((await work(b)) > (aWork * 3n) / 2n ? true : undefined), STEP_TIMEOUT_MS)
  await b.stop()

  // A comes back without mining, watched by a subscriber and by `chain events --follow`; B joins it.
  const a2 = await startNode(t, { genesis, datadir: a.datadir, flags: ['--metrics'] })
  const watched = collect<EventView>(await a2.client.subscribe('events', { contract }))
  const follow = spawn(process.execPath, [CHAIN_BIN, 'events', '--follow', '--json', '--contract', contract, '--datadir', a2.datadir], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let followed = ''
  let followErrors = ''
  follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()))
  follow.stderr.on('data', (chunk: Buffer) => (followErrors += chunk.toString()))
  const followExit = new Promise<number | null>((resolve) => follow.once('exit', (code) => resolve(code)))
  t.after(() => void follow.kill('SIGKILL'))
  // `chain events --follow` has subscribed once the node counts two subscriptions.
  await waitFor('the follower subscribed', async () => ((await subscriptionsOf(a2)) >= 2 ? true : undefined), STEP_TIMEOUT_MS)
  await startNode(t, { genesis, datadir: b.datadir, bootstrap: [a2.info.multiaddrs[0]!] })

  const removed = await waitFor('the removed event', () => watched.seen.find((event) => event.removed), STEP_TIMEOUT_MS)
  assert.deepEqual(removed, { ...original, removed: true })
  await waitFor('the follower printed it', () => followed.includes('"removed":true'), STEP_TIMEOUT_MS)
  const printed = followed.trim().split('\n').map((line) => JSON.parse(line) as EventView)
  assert.deepEqual(printed, [{ ...original, removed: true }])
  follow.kill('SIGINT')
  assert.equal(await followExit, 0, followErrors)

  // The index agrees: A's increment is gone from the canonical chain's events.
  const after = await a2.cli(['events', '--contract', contract, '--json'])
  assert.equal(after.code, 0, after.stderr)
  assert.deepEqual((JSON.parse(after.stdout) as { events: EventView[] }).events, [])

  // The console, attached to A: the client is ready, history is kept in the data dir.
  const consoleRun = await runChain(['console', '--datadir', a2.datadir], { input: '(await client.status()).network\n.exit\n' })
  assert.equal(consoleRun.code, 0, consoleRun.stderr)
  assert.match(consoleRun.stdout, /'reorg-events'/)
})

/** Open subscriptions of a node, from its metrics page. */
async function subscriptionsOf(node: TestNode): Promise<number> {
  const text = await (await fetch(node.info.metrics!)).text()
  return Number(/^chain_rpc_subscriptions (\d+)$/m.exec(text)?.[1] ?? 0)
}
