/**
 * Child process of cross-process.test.ts: runs a fixed workload on a fresh ContractVm (after
 * `HISTORY` unrelated calls, when set) and prints every outcome as JSON, so that processes with
 * different time zones, locales and V8 tiers can be compared byte for byte.
 */
import { ContractVm, type ExecutionOutcome } from '../../src/vm/vm.js'
import { MemoryHost } from './memory-host.js'
import { BOB, call, contractAddress, deploy, example } from './fixtures.js'

const PROBE = `
  export function text() {
    return [(1234567.891).toLocaleString(), 'é'.localeCompare('f'), 'İ'.toLowerCase(), (0.1 + 0.2).toFixed(20), String(-0), Math.sin(1e10)]
  }
  export function sorted() { const a = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000); a.sort((x, y) => x - y); return a.slice(0, 3) }
  export function json() { return JSON.parse(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, s: 'x' + i })))).length }
  export function regex() { return 'mail someone@example.com now'.replace(/(\\w+)@(\\w+)\\.com/g, '$2 at $1') }
  export function memory() { const chunks = []; try { for (;;) chunks.push(new Array(1000).fill(chunks.length)) } catch (e) { return [chunks.length, String(e)] } }
  export function depth() { let deepest = 0; function dive(n) { deepest = n; return dive(n + 1) + 1 } try { dive(0) } catch (e) { return [deepest, String(e)] } }
  export function spin() { for (;;) {} }
  export function errorLine() { null.x }`

const vm = new ContractVm()
try {
  const history = Number(process.env.HISTORY ?? 0)
  if (history > 0) {
    const scratch = new MemoryHost()
    await deploy(vm, scratch, contractAddress(90), example('counter'))
    await deploy(vm, scratch, contractAddress(91), PROBE)
    for (let i = 0; i < history; i++) await call(vm, scratch, contractAddress(i % 7 === 0 ? 91 : 90), i % 7 === 0 ? 'json' : 'increment', i % 7 === 0 ? [] : [i])
  }
  const host = new MemoryHost()
  const counter = contractAddress(1)
  const token = contractAddress(2)
  const probe = contractAddress(3)
  const outcomes: ExecutionOutcome[] = [
    await deploy(vm, host, counter, example('counter'), [5]),
    await deploy(vm, host, token, example('token'), ['Gold', 'GLD', 1_000_000]),
    await deploy(vm, host, probe, PROBE),
    await call(vm, host, counter, 'increment', [3]),
    await call(vm, host, token, 'transfer', [BOB, 10]),
  ]
  for (const method of ['text', 'sorted', 'json', 'regex', 'memory', 'depth', 'errorLine']) outcomes.push(await call(vm, host, probe, method, [], { gasLimit: 500_000_000 }))
  outcomes.push(await call(vm, host, probe, 'spin', [], { gasLimit: 3_333_333 }))
  process.stdout.write(JSON.stringify({ outcomes, state: host.snapshot() }))
} finally {
  vm.close()
}
