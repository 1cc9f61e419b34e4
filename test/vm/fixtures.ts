/**
 * Shared pieces of the VM's tests: addresses, a block, and deploy/call shorthands over a
 * `ContractVm` and a `MemoryHost`.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { formatContractAddress, formatParticipantId } from '../../src/crypto/identity.js'
import type { ContractVm, ExecutionOutcome } from '../../src/vm/vm.js'
import type { MemoryHost } from './memory-host.js'

/** A distinct, valid address per number. */
export function contractAddress(n: number): string {
  return formatContractAddress(new Uint8Array(20).fill(n))
}
export function participant(n: number): string {
  return formatParticipantId(new Uint8Array(20).fill(n))
}

export const ALICE = participant(1)
export const BOB = participant(2)
export const CAROL = participant(3)
export const BLOCK = { height: 7, timestamp: Date.UTC(2026, 0, 2), parentHash: 'ab'.repeat(32) }
export const GAS = 50_000_000

export interface Options {
  readonly sender?: string
  readonly gasLimit?: number
}

export function deploy(vm: ContractVm, host: MemoryHost, contract: string, code: string, args: unknown[] = [], options: Options = {}): Promise<ExecutionOutcome> {
  return vm.deploy({ host, block: BLOCK, sender: options.sender ?? ALICE, contract, gasLimit: options.gasLimit ?? GAS, code, args: JSON.stringify(args) })
}

export function call(vm: ContractVm, host: MemoryHost, contract: string, method: string, args: unknown[] = [], options: Options = {}): Promise<ExecutionOutcome> {
  return vm.call({ host, block: BLOCK, sender: options.sender ?? ALICE, contract, gasLimit: options.gasLimit ?? GAS, method, args: JSON.stringify(args) })
}

/** Deploys `code` and returns the outcome of one call of `method` (a contract in one line). */
export async function run(vm: ContractVm, host: MemoryHost, contract: string, code: string, method = 'main', args: unknown[] = []): Promise<ExecutionOutcome> {
  const deployed = await deploy(vm, host, contract, code)
  if (deployed.status !== 'ok') throw new Error(`deploy failed: ${deployed.error}`)
  return call(vm, host, contract, method, args)
}

/** A contract of docs/examples. */
export function example(name: 'counter' | 'token' | 'registry'): string {
  return readFileSync(fileURLToPath(new URL(`../../../docs/examples/${name}.js`, import.meta.url)), 'utf8')
}

/** A revert message without the "(line L, column C)" that says where in the contract it was raised. */
export function bare(message: string | null | undefined): string | null | undefined {
  return message?.replace(/ \(line \d+, column \d+\)/g, '')
}
