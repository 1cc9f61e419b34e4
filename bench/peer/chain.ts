/**
 * The `chain` side of `npm run bench -- peer`: the plan's blocks of `token.transfer` calls
 * (docs/examples/token.js) made on a source chain, then imported end to end into a fresh chain
 * on real LevelDB: each block decoded from its bytes, its header and every Ed25519 signature
 * checked (in the verify pool, on every core, as a node does; the next block's while this one
 * executes, as the sync does), its calls executed, the state trie updated and everything
 * written in one batch.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Chain } from '../../src/chain/chain.js'
import { createConsensus } from '../../src/consensus/create.js'
import { contractAddressOf, formatParticipantId } from '../../src/crypto/identity.js'
import { decodeBlock, encodeBlock, type Block } from '../../src/ledger/block.js'
import { ContractVm } from '../../src/vm/vm.js'
import { VerifyPool } from '../../src/crypto/verify-pool/pool.js'
import { testGenesis } from '../../test/helpers/chain.js'
import { addBlock, benchKey, signWith } from '../chain-blocks.js'
import { timedImports, type PreparedSide, type TransferPlan } from './plan.js'

const GAS = 2_000_000
const genesis = testGenesis({ network: 'bench-peer', maxBlockBytes: 8 * 1024 * 1024, blockGasLimit: 10_000_000_000 })
const TOKEN_SOURCE = readFileSync(new URL('../../../docs/examples/token.js', import.meta.url), 'utf8')

/**
 * Makes the plan's blocks on a source chain, and imports the setup and warm-up blocks into a
 * fresh target chain untimed; the measured blocks are imported by the returned side, one per call.
 */
export async function prepareChain(plan: TransferPlan): Promise<PreparedSide> {
  const dir = await mkdtemp(join(tmpdir(), 'chain-bench-peer-'))
  const vm = new ContractVm()
  const verifier = new VerifyPool()
  const target: Chain[] = []
  const close = async (): Promise<void> => {
    for (const chain of target) await chain.close()
    vm.close()
    await verifier.close()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const open = (name: string): Promise<Chain> => Chain.open({ path: join(dir, name), genesis, consensus: createConsensus(genesis), vm, create: true })
    const source = await open('source')
    const holders = Array.from({ length: plan.holders }, (_, i) => benchKey(`peer holder ${i}`))
    const nonces = holders.map(() => 0)
    const sign = signWith(source.networkId, GAS)
    const call = (from: number, method: string, args: unknown[]) => sign(holders[from]!, nonces[from]!++, { kind: 'contract-call', contract: token, method, args: JSON.stringify(args) })
    const holderId = (i: number): string => formatParticipantId(holders[i]!.id)

    const setup = [await addBlock(source, holders.map((holder, i) => sign(holder, nonces[i]!++, { kind: 'participant', name: null })))]
    const token = contractAddressOf(holders[0]!.id, nonces[0]!)
    setup.push(await addBlock(source, [sign(holders[0]!, nonces[0]!++, { kind: 'contract-deploy', code: TOKEN_SOURCE, args: JSON.stringify(['Gold', 'GLD', plan.supply]) })]))
    setup.push(await addBlock(source, holders.slice(1).map((_, i) => call(0, 'transfer', [holderId(i + 1), plan.share]))))
    const transfers: Uint8Array[] = []
    for (const block of plan.blocks) transfers.push(encodeBlock(await addBlock(source, block.map(({ from, to }) => call(from, 'transfer', [holderId(to), 1])))))
    await source.close()

    const chain = await Chain.open({ path: join(dir, 'target'), genesis, consensus: createConsensus(genesis), vm, verifier, create: true })
    target.push(chain)
    // The next block, decoded early to check its signatures while this one executes, as the sync does.
    const decoded = new Map<Uint8Array, Block>()
    const importBytes = async (bytes: Uint8Array, next: Uint8Array | undefined): Promise<number> => {
      const block = decoded.get(bytes) ?? decodeBlock(bytes, genesis.params.maxBlockBytes)
      decoded.clear()
      if (next !== undefined) {
        const following = decodeBlock(next, genesis.params.maxBlockBytes)
        decoded.set(next, following)
        chain.signatures.prefetch(following.transactions)
      }
      const result = await chain.importBlock(block)
      if (result.status !== 'head') throw new Error(`bench block ${block.header.height} became ${result.status}`)
      return block.header.gasUsed
    }
    for (const block of setup) await chain.importBlock(block)
    return await timedImports(plan, transfers, importBytes, close)
  } catch (error) {
    await close()
    throw error
  }
}
