/**
 * The work both sides of `npm run bench -- peer` do, decided once so that neither is tuned
 * apart: how many holders, how the supply is spread, and who pays whom in each block.
 */

export interface Transfer {
  /** Holder indexes. */
  readonly from: number
  readonly to: number
}

export interface TransferPlan {
  readonly holders: number
  /** The token's whole supply, minted to holder 0. */
  readonly supply: number
  /** What holder 0 sends each other holder before the transfer blocks. */
  readonly share: number
  readonly transfersPerBlock: number
  /** The first blocks, imported untimed (compilation, caches, the JIT). */
  readonly warmUpBlocks: number
  readonly measuredBlocks: number
  /** Every transfer block, warm-up ones first; each transfer moves 1 unit. */
  readonly blocks: readonly (readonly Transfer[])[]
}

/**
 * Blocks of `transfersPerBlock` transfers in which every holder sends once (as many holders as
 * transfers, like a real block's many senders), each to a different holder every block.
 */
export function transferPlan(options: { transfersPerBlock: number; warmUpBlocks: number; measuredBlocks: number }): TransferPlan {
  const holders = options.transfersPerBlock
  const blocks = Array.from({ length: options.warmUpBlocks + options.measuredBlocks }, (_, b) =>
    Array.from({ length: options.transfersPerBlock }, (_, i) => ({ from: i % holders, to: (i + 1 + (b % (holders - 1))) % holders })),
  )
  return { holders, supply: 1_000_000_000, share: 1_000_000, transfersPerBlock: options.transfersPerBlock, warmUpBlocks: options.warmUpBlocks, measuredBlocks: options.measuredBlocks, blocks }
}

/** One side of the comparison, ready: its setup and warm-up blocks imported, the measured blocks still to come. */
export interface PreparedSide {
  /** Imports the next measured block from its bytes: the milliseconds it took and the gas it used. */
  importNext(): Promise<{ ms: number; gasUsed: number }>
  close(): Promise<void>
}

/**
 * A side's import of the plan's transfer blocks: the warm-up ones now, untimed, then each
 * measured one when asked, timed. Each import is told the next block of its own phase, as a
 * syncing node knows the blocks after the one it imports (a side may start on it early: `chain`
 * checks its signatures while the current one executes); the first measured block was never
 * announced during the warm-up, so no measured work is done untimed.
 */
export async function timedImports(
  plan: TransferPlan,
  blocks: readonly Uint8Array[],
  importBlock: (bytes: Uint8Array, next: Uint8Array | undefined) => Promise<number>,
  close: () => Promise<void>,
): Promise<PreparedSide> {
  const warmUp = blocks.slice(0, plan.warmUpBlocks)
  for (const [i, bytes] of warmUp.entries()) await importBlock(bytes, warmUp[i + 1])
  const measured = blocks.slice(plan.warmUpBlocks)
  return {
    async importNext() {
      const bytes = measured.shift()
      if (bytes === undefined) throw new Error('no measured block left')
      const start = performance.now()
      const gasUsed = await importBlock(bytes, measured[0])
      return { ms: performance.now() - start, gasUsed }
    },
    close,
  }
}
