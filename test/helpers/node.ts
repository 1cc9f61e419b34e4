/**
 * Real `chain node` processes for integration tests: each in its own temporary data dir with its
 * own identity, listening on 127.0.0.1 with ports picked free, joined by `--bootstrap`. Every
 * node a test starts is stopped when the test ends (SIGTERM, then SIGKILL if it hangs), and
 * every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { ChainClient } from '../../src/client/chain-client.js'
import { RpcClient, type NodeInfo } from '../../src/rpc/client.js'
import { CHAIN_BIN, cleanEnv, GOOD_PASSWORD, runChain, V8_FLAGS, type RunResult } from './cli.js'

/** A node start is a Node.js start, a keystore unlock (light kdf) and libp2p: seconds on 2 busy cores. */
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 20_000

export interface TestNode {
  readonly datadir: string
  /** The node's identity, `ch1…`. */
  readonly id: string
  readonly info: NodeInfo
  readonly rpc: RpcClient
  /** The client library, connected to the node (closed when the test ends). */
  readonly client: ChainClient
  readonly process: ChildProcess
  /** Everything the node logged so far. */
  log(): string
  /** Runs `chain ARGS --datadir <this node's>` with the identity's password. */
  cli(args: string[]): Promise<RunResult>
  stop(): Promise<void>
}

export interface NodeStartOptions {
  readonly mine?: boolean
  readonly bootstrap?: readonly string[]
  /** Extra flags for `chain node`. */
  readonly flags?: readonly string[]
  /** Reuse a data dir (a restart) instead of making a new one. */
  readonly datadir?: string
  /** A genesis file (`--genesis`) instead of the built-in dev network. */
  readonly genesis?: string
}

import { waitFor } from './wait.js'

export { waitFor }

/**
 * Waits until the node's log matches `pattern`. A line is written after the state it reports
 * becomes visible over RPC, so a log check right after an RPC wait would race.
 */
export async function waitForLog(node: Pick<TestNode, 'log'>, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  await waitFor(`a log line matching ${pattern}`, () => pattern.test(node.log()), timeoutMs)
}

/**
 * Where a helper registers what must be undone: a test's context, or any runner with `after`
 * (the node benchmark's).
 */
export type Cleanup = Pick<TestContext, 'after'>

/**
 * The stop of the node last started in each data dir. A test's `after` hooks run in the order
 * they were registered, and one that throws skips the rest: a data dir removed while its node
 * still wrote to it failed with ENOTEMPTY, and the node's own stop never ran (the test file then
 * waited on it for ever). Removing a data dir stops its node first.
 */
const nodeStops = new Map<string, () => Promise<void>>()

/** Creates a data dir with an identity (light kdf) and its password file. */
export async function makeDatadir(t: Cleanup): Promise<string> {
  const datadir = await mkdtemp(join(tmpdir(), 'chain-node-'))
  t.after(async () => {
    await nodeStops.get(datadir)?.()
    nodeStops.delete(datadir)
    await rm(datadir, { recursive: true, force: true })
  })
  await writeFile(join(datadir, 'password'), `${GOOD_PASSWORD}\n`, { mode: 0o600 })
  const made = await runChain(['init', '--datadir', datadir, '--password-file', join(datadir, 'password'), '--light-kdf', '--json'])
  if (made.code !== 0) throw new Error(`chain init failed: ${made.stderr}`)
  return datadir
}

export async function startNode(t: Cleanup, options: NodeStartOptions = {}): Promise<TestNode> {
  const datadir = options.datadir ?? (await makeDatadir(t))
  // The node runs with the V8 flags `chain` gives every process (bin/chain): its memory as users have it.
  const args = [
    ...V8_FLAGS,
    CHAIN_BIN,
    'node',
    ...(options.genesis === undefined ? ['--dev'] : ['--genesis', options.genesis]),
    '--datadir', datadir,
    '--password-file', join(datadir, 'password'),
    '--listen', '/ip4/127.0.0.1/tcp/0',
    '--rpc-port', '0',
    '--no-mdns',
    '--no-dht',
    '--log-level', 'debug',
    options.mine === true ? '--mine' : '--no-mine',
    ...(options.bootstrap ?? []).flatMap((address) => ['--bootstrap', address]),
    ...(options.flags ?? []),
  ]
  const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  t.after(stop)
  nodeStops.set(datadir, stop)
  const info = await waitFor(
    `node in ${datadir} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`chain node exited with ${child.exitCode}:\n${output}`)
      if (!output.includes('] ready ')) return undefined
      return JSON.parse(await readFile(join(datadir, 'node.json'), 'utf8')) as NodeInfo
    },
    START_TIMEOUT_MS,
  )
  const rpc = (await RpcClient.forNode(join(datadir, 'node.json'), join(datadir, 'rpc.cookie')))!.client
  const client = (await ChainClient.forDatadir(datadir))!
  t.after(() => client.close())
  const accounts = await runChain(['account', 'list', '--json', '--datadir', datadir])
  return {
    datadir,
    id: (JSON.parse(accounts.stdout) as { id: string; identity: boolean }[]).find((account) => account.identity)!.id,
    info,
    rpc,
    client,
    process: child,
    log: () => output,
    cli: (extra) => runChain([...extra, '--datadir', datadir], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } }),
    stop,
  }
}
