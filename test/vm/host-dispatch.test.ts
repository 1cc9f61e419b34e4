/**
 * The direct path from QuickJS into the API's host functions (src/vm/host-dispatch.ts): what the
 * general path of quickjs-emscripten did must still hold for a contract (values in and out,
 * errors it can catch, out of gas inside an API call), and a quickjs-emscripten of another shape
 * is refused at once.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import type { QuickJSContext } from 'quickjs-emscripten'
import { ContractVm } from '../../src/vm/vm.js'
import { HostDispatchUnsupported, dispatchHostCallsDirectly } from '../../src/vm/host-dispatch.js'
import { MemoryHost } from './memory-host.js'
import { call, contractAddress, run } from './fixtures.js'

const vm = new ContractVm()
after(() => vm.close())

test('values cross both ways, many times in one call, and an API error is an exception the contract can catch', async () => {
  const code = `
    export function main() {
      const caught = []
      for (let i = 0; i < 500; i++) {
        state.set('k' + i, { i, list: [i, 'x'] })
        if (state.get('k' + i).list[0] !== i || !state.has('k' + i)) return 'lost ' + i
        try { state.set(i, 1) } catch (e) { caught.push(e.name) }
      }
      emit('Done', { caught: caught.length })
      return [state.get('k499'), caught[0], caught.length]
    }`
  const host = new MemoryHost()
  const outcome = await run(vm, host, contractAddress(1), code)
  assert.equal(outcome.status, 'ok', outcome.error ?? '')
  assert.equal(outcome.result, '[{"i":499,"list":[499,"x"]},"TypeError",500]')
  assert.deepEqual(outcome.events.map((event) => event.data), ['{"caught":500}'])
  assert.equal(host.getState(contractAddress(1), 'k7'), '{"i":7,"list":[7,"x"]}')
})

test('running out of gas inside an API call ends the call out of gas, and the next call runs', async () => {
  const host = new MemoryHost()
  const contract = contractAddress(2)
  const code = `
    export function main() { for (;;) state.set('big', 'x'.repeat(10000)) }
    export function ok() { state.set('small', 1); return state.get('small') }`
  const outcome = await run(vm, host, contract, code)
  assert.equal(outcome.status, 'out-of-gas')
  assert.equal(host.getState(contract, 'big'), undefined)
  const next = await call(vm, host, contract, 'ok')
  assert.deepEqual({ status: next.status, result: next.result }, { status: 'ok', result: '1' })
})

test('a context without the members the direct path uses is refused with the reason', () => {
  assert.throws(() => dispatchHostCallsDirectly({} as QuickJSContext), (error: unknown) => error instanceof HostDispatchUnsupported && /no ffi: .*0\.32\.0/.test(error.message))
})
