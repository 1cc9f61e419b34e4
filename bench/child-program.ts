/**
 * A benchmark's program in a process of its own, spoken to over the IPC channel: one request,
 * one reply. The peer benchmark runs each side so, and the node benchmark each host of its raw
 * line; what is measured there is two or five programs meeting only over the machine's cores
 * and sockets, as they would in use.
 */
import { fork, type ChildProcess } from 'node:child_process'

/** What every program may answer instead: its failure, as a message. */
export interface FailedReply {
  readonly kind: 'failed'
  readonly message: string
}

export interface ChildProgram<Request, Reply> {
  /** The program's next reply after sending `request` (none: its first, unasked reply); a failure, an exit or `timeoutMs` passing rejects. */
  ask(request: Request | undefined, timeoutMs: number): Promise<Reply>
  /** Whether the channel is still open (the program has not disconnected). */
  readonly connected: boolean
  /** Kills the process, if it still runs, and waits for its exit. */
  kill(): Promise<void>
}

/** Starts `script` with `args` (named `name` in errors), with `v8Flags` beside this process's own; its output goes to this process's. */
export function forkProgram<Request, Reply extends { readonly kind: string }>(script: string, args: readonly string[], name: string, v8Flags: readonly string[] = []): ChildProgram<Request, Reply> {
  const child = fork(script, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...v8Flags] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    ask: (request, timeoutMs) => answerOf<Request, Reply>(child, name, request, timeoutMs),
    get connected() {
      return child.connected
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

function answerOf<Request, Reply extends { readonly kind: string }>(child: ChildProcess, name: string, request: Request | undefined, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: Reply | FailedReply): void => {
      done()
      if (message.kind === 'failed') reject(new Error((message as FailedReply).message))
      else resolve(message as Reply)
    }
    const onExit = (code: number | null, signal: string | null): void => {
      done()
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before answering`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`${name} did not answer within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    child.on('message', onMessage)
    child.once('exit', onExit)
    if (request !== undefined) child.send(request as object)
  })
}

/** In a program: sends `reply` to the parent. */
export function replyToParent<Reply>(reply: Reply | FailedReply): void {
  process.send!(reply)
}

/** In a program: `error` as the reply that says so, named for `name`. */
export function failure(name: string, error: unknown): FailedReply {
  return { kind: 'failed', message: `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }
}
