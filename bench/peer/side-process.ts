/**
 * One side of `npm run bench -- peer` in a process of its own (bench/peer.bench.ts starts one
 * per side): it prepares its side of the plan given in its arguments, says `ready`, then
 * imports one measured block each time it is asked over the IPC channel and answers with the
 * time and gas. In one process, each side's turn held the other's event loop for seconds and
 * left its garbage in the shared heap, and chain's next block took up to twice as long as after
 * an idle pause of the same length (docs/benchmarks.md); two programs on one machine meet only
 * over its cores. A side answers once its process is quiet: V8 collects garbage on threads of
 * its own, and ethereumjs's collector, still at work after its block, took up to a second of
 * CPU during chain's next turn. Neither side's time includes that tail.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { failure, replyToParent } from '../child-program.js'
import { prepareChain } from './chain.js'
import { prepareEthereumjs } from './ethereumjs.js'
import { transferPlan, type PreparedSide } from './plan.js'

/** What the parent asks. */
export type SideRequest = { readonly kind: 'next' } | { readonly kind: 'close' }
/** What a side answers: once `ready` (or `failed`), then one answer per request. */
export type SideReply = { readonly kind: 'ready' } | { readonly kind: 'imported'; readonly ms: number; readonly gasUsed: number } | { readonly kind: 'closed' }

export type SideName = 'chain' | 'ethereumjs'

const PREPARE: Record<SideName, typeof prepareChain> = { chain: prepareChain, ethereumjs: prepareEthereumjs }

/** How often, and below how much CPU (all threads) per window, the process counts as quiet; how long to wait at most. */
const QUIET_WINDOW_MS = 50
const QUIET_CPU_MS = 5
const QUIET_LIMIT_MS = 5_000

/** Resolves once this process's threads together use under QUIET_CPU_MS in a window, or after QUIET_LIMIT_MS. */
async function quiet(): Promise<void> {
  const until = performance.now() + QUIET_LIMIT_MS
  while (performance.now() < until) {
    const before = process.cpuUsage()
    await sleep(QUIET_WINDOW_MS)
    const used = process.cpuUsage(before)
    if ((used.user + used.system) / 1000 < QUIET_CPU_MS) return
  }
}

async function main(): Promise<void> {
  const [name, planOptions] = process.argv.slice(2) as [SideName, string]
  let side: PreparedSide
  try {
    side = await PREPARE[name](transferPlan(JSON.parse(planOptions) as Parameters<typeof transferPlan>[0]))
  } catch (error) {
    replyToParent(failure(name, error))
    return process.disconnect()
  }
  process.on('message', (request: SideRequest) => {
    const imported = async (): Promise<SideReply> => {
      const { ms, gasUsed } = await side.importNext()
      await quiet()
      return { kind: 'imported', ms, gasUsed }
    }
    const answer = request.kind === 'next' ? imported() : side.close().then((): SideReply => ({ kind: 'closed' }))
    answer
      .catch((error: unknown) => failure(name, error))
      .then((message) => {
        replyToParent(message)
        if (message.kind !== 'imported') process.disconnect()
      })
      .catch(() => process.exit(1))
  })
  await quiet()
  replyToParent<SideReply>({ kind: 'ready' })
}

await main()
