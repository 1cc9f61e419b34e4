/**
 * The contract VM's speed: `counter.increment` calls through ContractVm (with the state overlay a block
 * of the tests) beside the same loop as a bare QuickJS call and as a plain V8 call; blocks of
 * 1,000 `token.transfer` calls beside the same transfers run by V8 on the same source; and the
 * wall time of a million gas for several kinds of code, built-ins included, each beside a plain
 * loop: how evenly gas prices time (docs/contracts.md). The state layer adds the figure that
 * includes the state trie root.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { newQuickJSWASMModuleFromVariant, RELEASE_SYNC } from 'quickjs-emscripten'
import { ContractVm, type ExecutionOutcome } from '../src/vm/vm.js'
import { MemoryHost } from '../test/vm/memory-host.js'
import { OverlayContractHost } from '../src/state/contract-host.js'
import { StateOverlay } from '../src/state/overlay.js'
import { ADDRESS_BYTES } from '../src/crypto/identity.js'
import { contractAddress, participant } from '../test/vm/fixtures.js'
import { opsPerSecond, steadyMs, type Benchmark, type Figure } from './harness.js'

const BLOCK = { height: 1, timestamp: Date.UTC(2026, 0, 1), parentHash: '00'.repeat(32) }
const COUNTER = contractAddress(1)
const TOKEN = contractAddress(2)
const HELPER = contractAddress(3)
const HOLDERS = Array.from({ length: 10 }, (_, i) => participant(i + 1))
const TRANSFERS_PER_BLOCK = 1_000
const CALIBRATION_GAS = 20_000_000

const examples = new URL('../../docs/examples/', import.meta.url)
const source = (name: string): string => readFileSync(new URL(name, examples), 'utf8')

function expectOk(outcome: ExecutionOutcome): ExecutionOutcome {
  if (outcome.status !== 'ok') throw new Error(`benchmark call failed: ${outcome.error}`)
  return outcome
}

/**
 * A host as a block's execution has it: the state layer's overlay (here over an empty state, so
 * that LevelDB is not measured), one for the whole run, as one block's transactions share one.
 */
const blockHost = (): OverlayContractHost => new OverlayContractHost(new StateOverlay({ get: () => undefined }), new Uint8Array(ADDRESS_BYTES))

/**
 * counter.increment through ContractVm and the state overlay: each call awaited before the next
 * is asked (a caller that needs each outcome), or a thousand asked at once, as the executor
 * sends a block's calls ahead of their outcomes.
 */
async function vmCounter(vm: ContractVm): Promise<{ awaited: number; ahead: number }> {
  const host = blockHost()
  const request = { host, block: BLOCK, sender: HOLDERS[0]!, contract: COUNTER, gasLimit: 10_000_000 }
  expectOk(await vm.deploy({ ...request, code: source('counter.js'), args: '[0]' }))
  const increment = (): Promise<ExecutionOutcome> => vm.call({ ...request, method: 'increment', args: '[1]' })
  const awaited = await opsPerSecond(async () => expectOk(await increment()), 3_000)
  const thousand = async (): Promise<void> => void (await Promise.all(Array.from({ length: 1_000 }, increment))).map(expectOk)
  const ahead = (1_000 * 1_000) / (await steadyMs(thousand))
  return { awaited, ahead }
}

/** The same increment as a bare QuickJS call: one reused context, a module variable, no metering. */
async function bareQuickJs(): Promise<number> {
  const quickjs = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC)
  const context = quickjs.newContext()
  const namespace = context.unwrapResult(context.evalCode('let count = 0\nexport function increment(by) { count += by ?? 1; return count }', 'bare.js', { type: 'module' }))
  const increment = context.getProp(namespace, 'increment')
  try {
    return await opsPerSecond(() => context.unwrapResult(context.callFunction(increment, context.undefined)).dispose())
  } finally {
    increment.dispose()
    namespace.dispose()
    context.dispose()
  }
}

function plainV8(): Promise<number> {
  let count = 0
  const increment = (by?: number): number => (count += by ?? 1)
  return opsPerSecond(() => {
    for (let i = 0; i < 1_000; i++) increment()
  }).then((thousands) => thousands * 1_000)
}

/** Blocks of TRANSFERS_PER_BLOCK token.transfer calls through ContractVm, per second. */
async function vmTransfers(vm: ContractVm): Promise<number> {
  const host = blockHost()
  const request = (sender: string) => ({ host, block: BLOCK, sender, contract: TOKEN, gasLimit: 10_000_000 })
  expectOk(await vm.deploy({ ...request(HOLDERS[0]!), code: source('token.js'), args: '["Gold", "GLD", 1000000000]' }))
  for (const holder of HOLDERS.slice(1)) expectOk(await vm.call({ ...request(HOLDERS[0]!), method: 'transfer', args: JSON.stringify([holder, 1_000_000]) }))
  // Sent ahead of their outcomes, as the executor sends a block's calls.
  const block = async (): Promise<void> => {
    const transfers = Array.from({ length: TRANSFERS_PER_BLOCK }, (_, i) => {
      const from = HOLDERS[i % HOLDERS.length]!
      const to = HOLDERS[(i + 1) % HOLDERS.length]!
      return vm.call({ ...request(from), method: 'transfer', args: JSON.stringify([to, 1]) })
    })
    for (const outcome of await Promise.all(transfers)) expectOk(outcome)
  }
  return 1_000 / (await steadyMs(block))
}

/** The same 1,000 transfers, token.js run by V8 itself over a Map (no sandbox, no JSON, no gas). */
async function v8Transfers(): Promise<number> {
  const store = new Map<string, unknown>()
  const globals = globalThis as Record<string, unknown>
  const msg = { sender: HOLDERS[0]! }
  Object.assign(globals, {
    state: { get: (k: string) => store.get(k), set: (k: string, v: unknown) => void store.set(k, v), delete: (k: string) => void store.delete(k), has: (k: string) => store.has(k) },
    msg,
    emit: () => {},
    revert: (message: string) => {
      throw new Error(message)
    },
  })
  try {
    const token = (await import(pathToFileURL(new URL('token.js', examples).pathname).href)) as Record<string, (...args: unknown[]) => unknown>
    token.init!('Gold', 'GLD', 1_000_000_000)
    for (const holder of HOLDERS.slice(1)) token.transfer!(holder, 1_000_000)
    return await opsPerSecond(() => {
      for (let i = 0; i < TRANSFERS_PER_BLOCK; i++) {
        msg.sender = HOLDERS[i % HOLDERS.length]!
        token.transfer!(HOLDERS[(i + 1) % HOLDERS.length]!, 1)
      }
    })
  } finally {
    for (const name of ['state', 'msg', 'emit', 'revert']) delete globals[name]
  }
}

/** Milliseconds per million gas of `body` run until its gas runs out. */
async function msPerMillionGas(vm: ContractVm, body: string, gasLimit = CALIBRATION_GAS): Promise<number> {
  const host = new MemoryHost()
  const request = { host, block: BLOCK, sender: HOLDERS[0]!, gasLimit }
  expectOk(await vm.deploy({ ...request, contract: HELPER, code: 'export function noop() { return 1 }', args: '[]' }))
  expectOk(await vm.deploy({ ...request, contract: COUNTER, code: `export function main() { ${body} }`, args: '[]' }))
  const start = performance.now()
  const outcome = await vm.call({ ...request, contract: COUNTER, method: 'main', args: '[]' })
  return ((performance.now() - start) / outcome.gasUsed) * 1e6
}

const CALIBRATION: Record<string, string> = {
  'plain loop': 'let i = 0; for (;;) i++',
  'a 64 KiB string scanned in a loop': `const s = 'a'.repeat(1 << 16); for (;;) s.indexOf('b')`,
  'sorting': `for (;;) { const a = []; for (let i = 0; i < 500; i++) a.push((i * 7919) % 500); a.sort((x, y) => x - y) }`,
  'string building': `for (;;) { let s = ''; for (let j = 0; j < 100; j++) s += j; s.split('1').join('-') }`,
  'object churn': `let a; for (let i = 0; ; i++) a = { x: i, y: [i, i], z: 'k' + i }`,
  'JSON round trips': `const o = { a: [1, 2, 3], b: 'hello', c: { d: true } }; for (;;) JSON.parse(JSON.stringify(o))`,
  'regular expressions': `const r = /(\\w+)@(\\w+)\\.com/; for (;;) r.exec('mail someone@example.com now')`,
  'state writes': `for (let i = 0; ; i++) state.set('k' + (i % 100), i)`,
  'nested calls': `for (;;) call('${HELPER}', 'noop')`,
}

export const benchmark: Benchmark = {
  name: 'vm',
  async run() {
    const vm = new ContractVm()
    try {
      const counter = await vmCounter(vm)
      const bare = await bareQuickJs()
      const v8 = await plainV8()
      const blocks = await vmTransfers(vm)
      const v8Blocks = await v8Transfers()
      const figures: Figure[] = [
        {
          name: 'counter.increment through ContractVm (state overlay of a block), a block of calls sent ahead',
          value: counter.ahead,
          unit: 'calls/s',
          baseline: { name: 'bare QuickJS call (reused context, no state, no metering)', value: bare },
          note: 'each call from the contract\'s snapshot, metered in the interpreter, on a sandbox thread; target 10,000 calls/s',
        },
        {
          name: 'counter.increment through ContractVm, each call awaited before the next',
          value: counter.awaited,
          unit: 'calls/s',
          baseline: { name: 'a block of calls sent ahead', value: counter.ahead },
        },
        { name: 'bare QuickJS call', value: bare, unit: 'calls/s', baseline: { name: 'plain V8 call', value: v8 } },
        {
          name: `blocks of ${TRANSFERS_PER_BLOCK} token.transfer through ContractVm`,
          value: blocks,
          unit: 'blocks/s',
          baseline: { name: 'the same transfers, token.js run by V8 directly', value: v8Blocks },
          note: 'state root not included (the state layer adds that figure); target 8 blocks/s',
        },
      ]
      const times: { name: string; ms: number }[] = []
      for (const [name, body] of Object.entries(CALIBRATION)) times.push({ name, ms: await msPerMillionGas(vm, body) })
      const plain = times[0]!.ms
      for (const { name, ms } of times.slice(1)) {
        figures.push({ name: `wall time of a million gas: ${name}`, value: ms, unit: 'ms', baseline: { name: 'plain loop', value: plain } })
      }
      const slowest = Math.max(...times.map((time) => time.ms))
      const fastest = Math.min(...times.map((time) => time.ms))
      figures.push({
        name: 'spread of the wall time of a million gas (slowest / fastest kind of code)',
        value: slowest / fastest,
        unit: '×',
        baseline: { name: 'target', value: 4 },
        note: `slowest: ${times.find((time) => time.ms === slowest)!.name}; fastest: ${times.find((time) => time.ms === fastest)!.name}`,
      })
      return figures
    } finally {
      vm.close()
    }
  },
}
