/**
 * The sandbox thread: runs one execution at a time for its `ContractVm`, each frame in the
 * instance of its contract (see `InstancePool`), against its view of the node's state
 * (`SandboxState`), which asks the node's thread through a synchronous channel for what it
 * does not know.
 *
 * Contracts run on this thread rather than the node's for three reasons: its native stack is
 * large (SANDBOX_THREAD_STACK_MB), so QuickJS's own stack limit always stops deep recursion
 * before the WebAssembly frames under it overflow the real stack (which would abort QuickJS
 * mid-operation); its instances and their snapshots stay warm from call to call; and if
 * QuickJS ever fails internally, only this thread is lost.
 */
import { workerData } from 'node:worker_threads'
import { errorMessage } from '../errors.js'
import type { ExecutionOutcome } from './types.js'
import { SyncChannel } from './channel.js'
import { execute } from './frames.js'
import { InstancePool, PoolExhausted } from './instance-pool.js'
import { readMeteredQuickjs } from './metered/binary.js'
import { compileQuickjs } from './metered/instance.js'
import { MAX_OUTCOMES_PER_MESSAGE, SANDBOX_SPIN_MS } from './constants.js'
import { SANDBOX_SIDE, type Done, type FromSandbox, type HostRead, type SandboxWorkerData, type ToSandbox, type WireRequest } from './protocol.js'
import { SandboxState } from './sandbox-state.js'

type Channel = SyncChannel<ToSandbox, FromSandbox>

/** Requests received and not yet run, oldest first: the node sends a block's calls ahead. */
const requests: WireRequest[] = []
/** Outcomes not yet sent: they leave in batches (MAX_OUTCOMES_PER_MESSAGE). */
const outbox: Done[] = []

function received(message: ToSandbox): void {
  if (message.kind !== 'execute') throw new Error(`expected requests, got ${message.kind}`)
  requests.push(...message.requests)
}

function sendOutcomes(channel: Channel): void {
  if (outbox.length > 0) channel.send({ kind: 'done', results: outbox.splice(0) })
}

/** Asks the node's thread for a state value and waits for its answer. */
function readFromNode(channel: Channel, read: HostRead): string | undefined {
  // The node answers from its state as the outcomes it has left it: it must have all of ours.
  sendOutcomes(channel)
  channel.send({ kind: 'read', read })
  for (;;) {
    const message = channel.receive(Infinity)
    if (message?.kind === 'answer') return message.value
    if (message !== undefined) received(message)
  }
}

/** The next request: one queued or already arrived, or (the outcomes sent first) one waited for. */
async function nextRequest(channel: Channel, pool: InstancePool): Promise<WireRequest> {
  if (requests.length === 0) {
    const arrived = channel.take()
    if (arrived !== undefined) received(arrived)
  }
  if (requests.length === 0) {
    sendOutcomes(channel)
    // Back-to-back requests are taken at once; an idle thread waits without spinning, in its
    // event loop, where the pool makes its spare instances.
    let message = channel.poll()
    if (message === undefined) {
      await pool.prepare()
      message = channel.poll() ?? (await channel.receiveAsync())
    }
    received(message)
  }
  return requests.shift()!
}

async function serve(channel: Channel, pool: InstancePool): Promise<never> {
  const state = new SandboxState((read) => readFromNode(channel, read))
  for (;;) {
    const request = await nextRequest(channel, pool)
    let outcome: ExecutionOutcome | undefined
    while (outcome === undefined) {
      state.begin(request.scope, request.continues)
      try {
        outcome = execute(pool, request, state)
      } catch (error) {
        if (!(error instanceof PoolExhausted)) throw error
        // Run it again from the start with more instances: the outcome cannot differ.
        await pool.grow()
      }
    }
    outbox.push({ outcome, writes: state.finish(outcome.status === 'ok') })
    if (outbox.length >= MAX_OUTCOMES_PER_MESSAGE) sendOutcomes(channel)
  }
}

/**
 * quickjs-emscripten logs "[C to host error: returning null]" when a host function's work traps,
 * which is how running out of gas (or `revert()`) inside an API call ends here: expected, and
 * decided by the meter, so not worth a line of the node's log each time.
 */
const logError = console.error.bind(console)
console.error = (...args: unknown[]): void => {
  if (args[0] === '[C to host error: returning null]' && args[1] instanceof Error && args[1].name === 'RuntimeError') return
  logError(...args)
}

const data = workerData as SandboxWorkerData
const channel: Channel = new SyncChannel(data.port, data.signals, SANDBOX_SIDE, SANDBOX_SPIN_MS)
channel.listen()
try {
  // Fail at start, not at the first execution, if the binary is not the protocol's or cannot run here.
  const pool = await InstancePool.start(compileQuickjs(readMeteredQuickjs()), data.limits)
  channel.send({ kind: 'ready' })
  await serve(channel, pool)
} catch (error) {
  // QuickJS failed (a WebAssembly trap leaves its memory in an unknown state) or the channel
  // broke: report it, after the outcomes of the executions that ended, and end the thread; the
  // node's thread starts a new one when needed.
  sendOutcomes(channel)
  channel.send({ kind: 'failed', detail: errorMessage(error) })
}
