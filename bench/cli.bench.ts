/**
 * How long `chain` takes to start, beside starting the same Node with nothing to do
 * (`node -e 0`): what a person waits for before any command does its work. Each figure is the
 * median wall time of several runs (the machine is shared: the median resists one slow run).
 * The ways in: bin/chain (what `npm link` and `npx` run: a shell script that execs the
 * project's Node), bin/run.js started by the machine's own `node` (older than 22 here, so it
 * hands itself over to the project's Node: two Node starts), and `npx chain` (npm's own
 * start and its reading of node_modules come first).
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Benchmark, Figure } from './harness.js'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CHAIN = join(REPO_ROOT, 'bin', 'chain')
const RUN_JS = join(REPO_ROOT, 'bin', 'run.js')
/** Odd, so the median is one run; enough to ride out another process taking the cores. */
const RUNS = 9
/** A start that takes longer than this is broken, not slow. */
const RUN_TIMEOUT_MS = 60_000

/** Median wall time in ms of running `command args` to its end (its exit status checked). */
function medianMs(command: string, args: readonly string[], expectStatus = 0): number {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    const run = spawnSync(command, args, { cwd: REPO_ROOT, timeout: RUN_TIMEOUT_MS, stdio: 'ignore' })
    times.push(performance.now() - start)
    if (run.status !== expectStatus) throw new Error(`${command} ${args.join(' ')} exited ${run.status} (expected ${expectStatus})`)
  }
  return times.sort((a, b) => a - b)[(RUNS - 1) / 2]!
}

export const benchmark: Benchmark = {
  name: 'cli',
  async run() {
    const datadir = await mkdtemp(join(tmpdir(), 'chain-bench-cli-'))
    try {
      const bare = { name: '`node -e 0` on the project’s Node', value: medianMs(process.execPath, ['-e', '0']) }
      const figures: Figure[] = [
        { name: 'chain --version (bin/chain)', value: medianMs(CHAIN, ['--version']), unit: 'ms', baseline: bare },
        {
          name: 'chain status, no node running (bin/chain)',
          value: medianMs(CHAIN, ['status', '--datadir', datadir], 4),
          unit: 'ms',
          baseline: bare,
          note: 'start-up and loading the command, without the RPC round trip (exit 4)',
        },
      ]
      const systemNode = spawnSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' })
      if (systemNode.status === 0) {
        figures.push({
          name: `bin/run.js --version on the machine’s node ${systemNode.stdout.trim()}`,
          value: medianMs('node', [RUN_JS, '--version']),
          unit: 'ms',
          baseline: bare,
          note: 'below Node 22 it starts the project’s Node again: what bin/chain avoids',
        })
      }
      if (spawnSync('npx', ['--version'], { stdio: 'ignore', timeout: RUN_TIMEOUT_MS }).status === 0) {
        figures.push({ name: 'npx chain --version', value: medianMs('npx', ['chain', '--version']), unit: 'ms', baseline: bare, note: 'npm’s own start-up comes first' })
      }
      return figures
    } finally {
      await rm(datadir, { recursive: true, force: true })
    }
  },
}
