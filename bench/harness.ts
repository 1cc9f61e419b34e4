/**
 * The benchmark harness: each `bench/*.bench.ts` exports `benchmark: Benchmark`, whose figures
 * are printed beside a baseline measured in the same run (a ratio says more than a number on
 * a shared, noisy machine). `npm run bench [-- NAME...]` runs them all or the named ones.
 */
import { performance } from 'node:perf_hooks'

export interface Figure {
  readonly name: string
  readonly value: number
  readonly unit: string
  /** The same work done the reference way, in the same run, in the same unit. */
  readonly baseline?: { readonly name: string; readonly value: number }
  readonly note?: string
}

export interface Benchmark {
  readonly name: string
  run(): Promise<Figure[]>
}

/** Repeats `operation` for at least `minMs` (after one warm-up call) and returns operations per second. */
export async function opsPerSecond(operation: () => unknown, minMs = 1_000): Promise<number> {
  await operation()
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < minMs) {
    await operation()
    count++
    elapsed = performance.now() - start
  }
  return (count * 1000) / elapsed
}

/** Times one run of `task` in milliseconds. */
export async function timeMs(task: () => unknown): Promise<number> {
  const start = performance.now()
  await task()
  return performance.now() - start
}

/**
 * The median time of `runs` runs of `task`, in milliseconds, after running it for `warmMs` first:
 * the speed of a process that has been at it a while. V8 optimises the hot code (the
 * interpreter's WebAssembly, the host's JavaScript) over the first seconds, and until then a
 * run can take several times as long.
 */
export async function steadyMs(task: () => unknown, warmMs = 2_000, runs = 7): Promise<number> {
  const warmUntil = performance.now() + warmMs
  do await task()
  while (performance.now() < warmUntil)
  const times: number[] = []
  for (let run = 0; run < runs; run++) times.push(await timeMs(task))
  return times.sort((a, b) => a - b)[runs >> 1]!
}

export function ratio(figure: Figure): number | undefined {
  return figure.baseline === undefined || figure.baseline.value === 0 ? undefined : figure.value / figure.baseline.value
}
