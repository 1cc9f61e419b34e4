/**
 * Contracts with the real state: `counter.increment` transactions applied with the state write
 * and a new state root each time, beside the same call through the VM with an in-memory host
 * (what the state layer costs); and blocks of 1,000 `token.transfer` transactions imported
 * into a LevelDB chain (signatures, execution, trie, one atomic batch) beside the same
 * transfers through the VM alone; and the state trie's one-pass update of a block's changes
 * beside `@ethereumjs/mpt` applying them one key at a time (how `chain` did it before).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Chain } from '../src/chain/chain.js'
import { createConsensus } from '../src/consensus/create.js'
import { sha256 } from '../src/crypto/hash.js'
import { contractAddressOf, formatContractAddress, formatParticipantId } from '../src/crypto/identity.js'
import { toHex, utf8 } from '../src/encoding/bytes.js'
import type { Block } from '../src/ledger/block.js'
import { testGenesis } from '../test/helpers/chain.js'
import type { Transaction, TxPayload } from '../src/ledger/transaction.js'
import { blockInfo } from '../src/state/executor.js'
import { StateOverlay, type StateChange } from '../src/state/overlay.js'
import { StateTrie, type TrieNodeReader } from '../src/state/trie.js'
import { ContractVm } from '../src/vm/vm.js'
import { MemoryHost } from '../test/vm/memory-host.js'
import { addBlock, benchKey, signWith, type BenchKey } from './chain-blocks.js'
import { opsPerSecond, timeMs, type Benchmark, type Figure } from './harness.js'

const TRIE_KEYS = 20_000
const TRIE_BLOCKS = 5
const CHANGES_PER_BLOCK = 1_000
const TRANSFERS_PER_BLOCK = 1_000
const BLOCKS = 3
const HOLDERS = 20
const GAS = 2_000_000
const source = (name: string): string => readFileSync(new URL(`../../docs/examples/${name}`, import.meta.url), 'utf8')

const genesis = testGenesis({ network: 'bench-state', maxBlockBytes: 8 * 1024 * 1024, blockGasLimit: 10_000_000_000 })

async function openChain(path: string, vm: ContractVm): Promise<Chain> {
  return Chain.open({ path, genesis, consensus: createConsensus(genesis), vm, create: true })
}

const sign = (chain: Chain, who: BenchKey, nonce: number, payload: TxPayload): Transaction => signWith(chain.networkId, GAS)(who, nonce, payload)

/** counter.increment applied to the state with a state root after each call. */
async function counterWithState(dir: string, vm: ContractVm): Promise<number> {
  const chain = await openChain(join(dir, 'counter'), vm)
  const owner = benchKey('owner')
  await addBlock(chain, [sign(chain, owner, 0, { kind: 'participant', name: null })])
  await addBlock(chain, [sign(chain, owner, 1, { kind: 'contract-deploy', code: source('counter.js'), args: '[0]' })])
  const contract = contractAddressOf(owner.id, 1)
  const state = new StateOverlay(chain.store.state)
  const info = blockInfo({ height: chain.head.header.height + 1, timestamp: chain.head.header.timestamp + 1, parentHash: chain.head.hash })
  let nonce = 2
  let root = chain.head.header.stateRoot
  const rate = await opsPerSecond(async () => {
    const tx = sign(chain, owner, nonce++, { kind: 'contract-call', contract, method: 'increment', args: '[1]' })
    const before = new StateOverlay(state)
    await chain.executor.applyTransaction(before, tx, info, GAS)
    const changes = before.changed()
    for (const { key: k, value } of changes) if (value !== null) state.set(k, value)
    root = chain.trie.apply(root, changes)
  }, 3_000)
  chain.trie.discardPending()
  await chain.close()
  return rate
}

async function counterInMemory(vm: ContractVm): Promise<number> {
  const host = new MemoryHost()
  const request = { host, block: { height: 1, timestamp: 1, parentHash: '00'.repeat(32) }, sender: formatParticipantId(benchKey('owner').id), contract: formatContractAddress(new Uint8Array(20).fill(1)), gasLimit: GAS }
  await vm.deploy({ ...request, code: source('counter.js'), args: '[0]' })
  return opsPerSecond(async () => await vm.call({ ...request, method: 'increment', args: '[1]' }), 3_000)
}

/** Blocks of token transfers imported into a fresh chain, and the same calls through the VM alone. */
async function tokenBlocks(dir: string, vm: ContractVm): Promise<{ chain: number; vmOnly: number }> {
  const source_ = await openChain(join(dir, 'token-source'), vm)
  const holders = Array.from({ length: HOLDERS }, (_, i) => benchKey(`holder ${i}`))
  const nonces = holders.map(() => 0)
  const next = (i: number): number => nonces[i]!++
  const setup: Block[] = []
  setup.push(await addBlock(source_, holders.map((holder, i) => sign(source_, holder, next(i), { kind: 'participant', name: null }))))
  const token = contractAddressOf(holders[0]!.id, nonces[0]!)
  setup.push(await addBlock(source_, [sign(source_, holders[0]!, next(0), { kind: 'contract-deploy', code: source('token.js'), args: '["Gold","GLD",1000000000]' })]))
  setup.push(await addBlock(source_, holders.slice(1).map((holder) => sign(source_, holders[0]!, next(0), { kind: 'contract-call', contract: token, method: 'transfer', args: JSON.stringify([formatParticipantId(holder.id), 1_000_000]) }))))
  const transfers: Block[] = []
  const calls: { sender: string; to: string }[] = []
  for (let b = 0; b < BLOCKS; b++) {
    const txs = Array.from({ length: TRANSFERS_PER_BLOCK }, (_, i) => {
      const from = i % HOLDERS
      const to = formatParticipantId(holders[(i + 1) % HOLDERS]!.id)
      calls.push({ sender: formatParticipantId(holders[from]!.id), to })
      return sign(source_, holders[from]!, next(from), { kind: 'contract-call', contract: token, method: 'transfer', args: JSON.stringify([to, 1]) })
    })
    transfers.push(await addBlock(source_, txs))
  }
  await source_.close()

  const target = await openChain(join(dir, 'token-target'), vm)
  for (const block of setup) await target.importBlock(block)
  const chainMs = await timeMs(async () => {
    for (const block of transfers) await target.importBlock(block)
  })
  await target.close()

  const host = new MemoryHost()
  const tokenText = formatContractAddress(token)
  const base = { host, block: { height: 1, timestamp: 1, parentHash: '00'.repeat(32) }, contract: tokenText, gasLimit: GAS }
  await vm.deploy({ ...base, sender: formatParticipantId(holders[0]!.id), code: source('token.js'), args: '["Gold","GLD",1000000000]' })
  for (const holder of holders.slice(1)) await vm.call({ ...base, sender: formatParticipantId(holders[0]!.id), method: 'transfer', args: JSON.stringify([formatParticipantId(holder.id), 1_000_000]) })
  const vmMs = await timeMs(async () => {
    for (const call of calls) await vm.call({ ...base, sender: call.sender, method: 'transfer', args: JSON.stringify([call.to, 1]) })
  })
  return { chain: (BLOCKS * 1000) / chainMs, vmOnly: (BLOCKS * 1000) / vmMs }
}

/** Blocks of changes (a tenth of them deletes) on a trie of TRIE_KEYS keys: one pass per block, and the library key by key. */
async function trieBlocks(): Promise<{ onePass: number; library: number }> {
  const nodes = new Map<string, Uint8Array>()
  const stored: TrieNodeReader = { get: (hash) => nodes.get(toHex(hash)) }
  const trie = new StateTrie(stored)
  const library = new MerklePatriciaTrie({ useKeyHashing: true, useKeyHashingFunction: sha256 })
  const initial = Array.from({ length: TRIE_KEYS }, (_, i) => ({ key: utf8(`key ${i}`), value: sha256(utf8(`value ${i}`)) }))
  let root = trie.apply(trie.emptyRoot, initial)
  for (const { hash, node } of trie.takeNodeWrites()) nodes.set(toHex(hash), node)
  for (const { key, value } of initial) await library.put(key, value)
  const blocks: StateChange[][] = Array.from({ length: TRIE_BLOCKS }, (_, b) =>
    Array.from({ length: CHANGES_PER_BLOCK }, (_, i) => ({ key: utf8(`key ${(b * 7_919 + i * 13) % (TRIE_KEYS * 1.2)}`), value: i % 10 === 0 ? null : sha256(utf8(`block ${b} ${i}`)) })),
  )
  const onePassMs = await timeMs(() => {
    for (const changes of blocks) {
      root = trie.apply(root, changes)
      for (const { hash, node } of trie.takeNodeWrites()) nodes.set(toHex(hash), node)
    }
  })
  const libraryMs = await timeMs(async () => {
    for (const changes of blocks) for (const { key, value } of changes) await (value === null ? library.del(key) : library.put(key, value))
  })
  if (toHex(root) !== toHex(library.root())) throw new Error('the one-pass trie and the library disagree')
  return { onePass: (TRIE_BLOCKS * 1000) / onePassMs, library: (TRIE_BLOCKS * 1000) / libraryMs }
}

export const benchmark: Benchmark = {
  name: 'state',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'chain-state-bench-'))
    const vm = new ContractVm()
    try {
      const withState = await counterWithState(dir, vm)
      const inMemory = await counterInMemory(vm)
      const blocks = await tokenBlocks(dir, vm)
      const trieRates = await trieBlocks()
      return [
        {
          name: `state trie: blocks of ${CHANGES_PER_BLOCK} changes on ${TRIE_KEYS} keys, one pass`,
          value: trieRates.onePass,
          unit: 'blocks/s',
          baseline: { name: '@ethereumjs/mpt one key at a time (as before)', value: trieRates.library },
        },
        {
          name: 'counter.increment applied to the state, with a state root after each call',
          value: withState,
          unit: 'calls/s',
          baseline: { name: 'the same call through the VM with an in-memory host', value: inMemory },
        },
        {
          name: `blocks of ${TRANSFERS_PER_BLOCK} token.transfer imported (signatures, execution, trie, LevelDB)`,
          value: blocks.chain,
          unit: 'blocks/s',
          baseline: { name: 'the same transfers through the VM alone', value: blocks.vmOnly },
        },
      ]
    } finally {
      vm.close()
      await rm(dir, { recursive: true, force: true })
    }
  },
}
