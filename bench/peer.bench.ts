/**
 * `chain` beside its peer: what a TypeScript user would otherwise pick for "a chain with
 * contracts", @ethereumjs/vm, doing the same job on the same machine in the same run. Blocks of
 * 1,000 token transfers, every holder sending once per block, imported from their bytes:
 *   - chain: `token.transfer` calls (docs/examples/token.js) imported with `Chain.importBlock`
 *     into real LevelDB (decode, header, Ed25519 signatures, execution, state trie, one batch);
 *   - ethereumjs: an ERC-20 `transfer` (bench/peer/Token.sol, compiled by solc-js) in signed
 *     legacy transactions, run by `runBlock` on an in-memory state (decode, transactions trie,
 *     ecrecover of every sender, execution, state root and receipts checked).
 * The same plan (bench/peer/plan.ts) drives both: same holders, same transfers, same warm-up.
 * Each side runs in a process of its own (bench/peer/side-process.ts), as two programs on one
 * machine would; their measured blocks are imported in turns, so both meet the same load.
 * The targets: chain at least 10 times ethereumjs, and at least 5,000 transfers/s.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { V8_FLAGS } from '../test/helpers/cli.js'
import { forkProgram } from './child-program.js'
import type { Benchmark, Figure } from './harness.js'
import { transferPlan, type PreparedSide } from './peer/plan.js'
import type { SideName, SideReply, SideRequest } from './peer/side-process.js'

/** The version the project pins (exactly) for this comparison. */
const ethereumjsVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@ethereumjs/vm']!
const planOptions = { transfersPerBlock: 1_000, warmUpBlocks: 3, measuredBlocks: 5 }
const plan = transferPlan(planOptions)
const SIDE_SCRIPT = fileURLToPath(new URL('./peer/side-process.js', import.meta.url))
/** Longest a side may take to prepare (solc, the setup and warm-up blocks) and to import one block. */
const PREPARE_TIMEOUT_MS = 10 * 60_000
const BLOCK_TIMEOUT_MS = 2 * 60_000

/** A side in a process of its own, prepared; the process is killed if it fails or is closed. */
async function startSide(name: SideName): Promise<PreparedSide> {
  // chain's side runs with the V8 flags every `chain` process has (bin/chain), ethereumjs's as Node starts a program.
  const side = forkProgram<SideRequest, SideReply>(SIDE_SCRIPT, [name, JSON.stringify(planOptions)], `the ${name} side`, name === 'chain' ? V8_FLAGS : [])
  try {
    await side.ask(undefined, PREPARE_TIMEOUT_MS)
  } catch (error) {
    await side.kill()
    throw error
  }
  return {
    async importNext() {
      const answer = await side.ask({ kind: 'next' }, BLOCK_TIMEOUT_MS)
      if (answer.kind !== 'imported') throw new Error(`${name}: answered ${answer.kind} to an import`)
      return { ms: answer.ms, gasUsed: answer.gasUsed }
    },
    async close() {
      try {
        if (side.connected) await side.ask({ kind: 'close' }, BLOCK_TIMEOUT_MS)
      } finally {
        await side.kill()
      }
    },
  }
}

interface Totals {
  ms: number
  gas: number
}

/**
 * Times the measured blocks of both sides taking turns, block by block (the first side
 * alternating): on a machine whose load changes, both see the same share of it.
 */
async function measure(sides: readonly PreparedSide[]): Promise<Totals[]> {
  const totals = sides.map(() => ({ ms: 0, gas: 0 }))
  for (let block = 0; block < plan.measuredBlocks; block++) {
    const order = block % 2 === 0 ? sides.keys() : [...sides.keys()].reverse()
    for (const side of order) {
      const { ms, gasUsed } = await sides[side]!.importNext()
      totals[side]!.ms += ms
      totals[side]!.gas += gasUsed
    }
  }
  return totals
}

export const benchmark: Benchmark = {
  name: 'peer',
  async run(): Promise<Figure[]> {
    const sides: PreparedSide[] = []
    try {
      sides.push(await startSide('ethereumjs'))
      sides.push(await startSide('chain'))
      const [ethereumjs, chain] = await measure(sides)
      const transfers = plan.measuredBlocks * plan.transfersPerBlock
      const perSecond = (totals: Totals): number => (transfers * 1000) / totals.ms
      const gas = (totals: Totals): number => Math.round(totals.gas / transfers)
      return [
        {
          name: `blocks of ${plan.transfersPerBlock.toLocaleString('en-US')} token transfers imported end to end from their bytes`,
          value: perSecond(chain!),
          unit: 'transfers/s',
          baseline: { name: `@ethereumjs/vm ${ethereumjsVersion}, ERC-20 transfer, in-memory state`, value: perSecond(ethereumjs!) },
          note:
            `${plan.holders} senders; ${plan.measuredBlocks} blocks each, each side in its own process, taking turns (each once the other's process is quiet), after ${plan.warmUpBlocks} warm-up; ` +
            `chain: LevelDB, ~${gas(chain!)} gas per transfer; ethereumjs: ~${gas(ethereumjs!)} gas per transfer; ` +
            'targets: 10 times ethereumjs and 5,000 transfers/s',
        },
      ]
    } finally {
      for (const side of sides) await side.close()
    }
  },
}
