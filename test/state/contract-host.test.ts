/**
 * The contract VM over the state layer's overlay: the sandbox thread remembers what it read and
 * wrote from one execution to the next within one overlay (its `StateScope`), and that memory
 * must never show a change that the overlay no longer has, nor one made in another overlay.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OverlayContractHost } from '../../src/state/contract-host.js'
import { StateOverlay, type StateReader } from '../../src/state/overlay.js'
import { ContractVm } from '../../src/vm/vm.js'
import { ALICE, BLOCK, contractAddress, example } from '../vm/fixtures.js'

const COUNTER = contractAddress(1)
const EMPTY: StateReader = { get: () => undefined }
const DEPLOYER = new Uint8Array(20)

function counterOn(vm: ContractVm, host: OverlayContractHost) {
  const request = { host, block: BLOCK, sender: ALICE, contract: COUNTER, gasLimit: 10_000_000 }
  return {
    deploy: () => vm.deploy({ ...request, code: example('counter'), args: '[0]' }),
    increment: () => vm.call({ ...request, method: 'increment', args: '[1]' }),
    get: async () => (await vm.call({ ...request, method: 'get', args: '[]' })).result,
  }
}

test('a change undone in the overlay is not seen by the next execution', async (t) => {
  const vm = new ContractVm()
  t.after(() => vm.close())
  const state = new StateOverlay(EMPTY)
  const counter = counterOn(vm, new OverlayContractHost(state, DEPLOYER))
  assert.equal((await counter.deploy()).status, 'ok')
  assert.equal((await counter.increment()).status, 'ok')
  // What the producer does with a transaction it leaves out: the overlay undoes its changes.
  state.checkpoint()
  assert.equal((await counter.increment()).status, 'ok')
  assert.equal(await counter.get(), '2')
  state.revert()
  assert.equal(await counter.get(), '1')
  assert.equal((await counter.increment()).status, 'ok')
  assert.equal(await counter.get(), '2')
})

test('executions in two overlays over the same state see only their own changes', async (t) => {
  const vm = new ContractVm()
  t.after(() => vm.close())
  const base = new StateOverlay(EMPTY)
  assert.equal((await counterOn(vm, new OverlayContractHost(base, DEPLOYER)).deploy()).status, 'ok')
  const first = counterOn(vm, new OverlayContractHost(new StateOverlay(base), DEPLOYER))
  const second = counterOn(vm, new OverlayContractHost(new StateOverlay(base), DEPLOYER))
  assert.equal((await first.increment()).status, 'ok')
  assert.equal((await first.increment()).status, 'ok')
  assert.equal(await second.get(), '0')
  assert.equal((await second.increment()).status, 'ok')
  assert.equal(await first.get(), '2')
  assert.equal(await second.get(), '1')
})
