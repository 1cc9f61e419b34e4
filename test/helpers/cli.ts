/**
 * Runs the built `chain` CLI (bin/run.js on the project's Node) for the command
 * tests: plainly with pipes, or in a real pseudo-terminal through test/commands/pty-driver.py.
 * Every wait is bounded; a child that outlives its bound is killed.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createInterface } from 'node:readline'

/** dist/test/helpers/ → the repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const CHAIN_BIN = join(REPO_ROOT, 'bin', 'run.js')
/** The V8 flags `chain` runs every process with (bin/v8-flags.js; bin/chain passes them). */
export const V8_FLAGS = ((await import(pathToFileURL(join(REPO_ROOT, 'bin', 'v8-flags.js')).href)) as { V8_FLAGS: readonly string[] }).V8_FLAGS
const PTY_DRIVER = join(REPO_ROOT, 'test', 'commands', 'pty-driver.py')

/** Generous for 2 shared cores: a run is a Node start (~0.5 s) and a light scrypt or two. */
const RUN_TIMEOUT_MS = 60_000

export const GOOD_PASSWORD = 'correct horse battery staple'

export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The environment of a child: ours without anything that would change what `chain` does. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of ['CHAIN_PASSWORD', 'CHAIN_NEW_PASSWORD', 'CHAIN_DATADIR', 'DEBUG']) delete env[name]
  // oclif wraps error messages at the terminal width, inside long paths too: not in tests.
  return { ...env, OCLIF_COLUMNS: '1000', ...extra }
}

/** Runs `chain ARGS` with stdin a pipe (not a terminal), fed `input` when given. */
export function runChain(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
  return runScript(CHAIN_BIN, args, options)
}

/** Runs a Node.js script (on the project's Node) with stdin a pipe, fed `input` when given. */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: cleanEnv(options.env) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** The one-line error oclif printed (` ›   Error: MESSAGE`), with its wrapping undone. */
export function errorLine(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.replace(/^\s*›\s*/, '').trim())
    .join(' ')
    .replace(/^Error: /, '')
    .trim()
}

/** A fresh directory, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `chain-${prefix}-`))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** Writes a secret file (password, phrase) into `dir` and returns its path. */
export async function secretFile(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text, { mode: 0o600 })
  return path
}

/** Whether python3 with its `pty` module can run here (the terminal tests need it). */
export function havePython3Pty(): boolean {
  const probe = spawnSync('python3', ['-c', 'import pty, termios, fcntl'], { timeout: 10_000 })
  return probe.status === 0
}

interface DriverAnswer {
  readonly ok: boolean
  readonly output: string
  readonly groups?: (string | null)[]
  readonly status?: number | null
  readonly error?: string
}

/** `chain ARGS` (or another command) in a pseudo-terminal; `expect` a pattern, `send` keys, `wait` for the exit. */
export class PtySession {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly answers: DriverAnswer[] = []
  private waiting: ((answer: DriverAnswer) => void) | undefined
  private stderr = ''
  private onDriverExit: () => void = () => undefined
  /** Everything the terminal showed so far. */
  output = ''

  /**
   * `options.command` replaces `chain` (bin/run.js on this Node) with another command line,
   * such as the README's `npx chain`; `options.cwd` is where it runs.
   */
  constructor(args: string[], env: Record<string, string> = {}, options: { command?: readonly string[]; cwd?: string } = {}) {
    this.child = spawn('python3', [PTY_DRIVER, ...(options.command ?? [process.execPath, CHAIN_BIN]), ...args], {
      env: cleanEnv({ ...env, TERM: 'xterm-256color' }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    })
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.child.on('exit', () => {
      if (this.waiting !== undefined) this.onDriverExit()
    })
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as DriverAnswer
      this.output = answer.output
      if (this.waiting !== undefined) {
        const resolve = this.waiting
        this.waiting = undefined
        resolve(answer)
      } else {
        this.answers.push(answer)
      }
    })
  }

  /** Waits for `pattern` after the previous match; returns its groups, or fails the test. */
  async expect(pattern: string, timeoutS = 30): Promise<(string | null)[]> {
    const answer = await this.request({ op: 'expect', pattern, timeout: timeoutS }, timeoutS)
    if (!answer.ok) throw new Error(`${answer.error ?? 'failed'}; the terminal showed:\n${answer.output}`)
    return answer.groups ?? []
  }

  async send(text: string): Promise<void> {
    await this.request({ op: 'send', text }, 10)
  }

  /** Waits for the command to exit and returns its exit status. */
  async wait(timeoutS = 60): Promise<number | null> {
    const answer = await this.request({ op: 'wait', timeout: timeoutS }, timeoutS)
    return answer.status ?? null
  }

  close(): void {
    this.child.stdin.end()
    this.child.kill('SIGKILL')
  }

  private request(message: object, timeoutS: number): Promise<DriverAnswer> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`)
    const queued = this.answers.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      // The driver bounds each request itself; this catches a driver that died or hung.
      const timer = setTimeout(() => {
        this.waiting = undefined
        reject(new Error(`pty driver silent for ${timeoutS + 10} s; stderr: ${this.stderr}\nterminal:\n${this.output}`))
      }, (timeoutS + 10) * 1000)
      this.waiting = (answer) => {
        clearTimeout(timer)
        resolve(answer)
      }
      this.onDriverExit = () => {
        clearTimeout(timer)
        reject(new Error(`pty driver exited; stderr: ${this.stderr}`))
      }
    })
  }
}

/**
 * The wizard's phrase screen, read as a person would: the id it shows and the 24 words
 * (asserted to be 24), once it waits for Enter.
 */
export async function readWizardPhrase(session: PtySession): Promise<{ id: string; words: string[] }> {
  const [id] = await session.expect('Your participant id: (ch1[02-9ac-hj-np-z]{38})')
  await session.expect('Press Enter once they are written down\\. ')
  const words = [...session.output.matchAll(/(\d+)\. ([a-z]+)/g)].map((match) => match[2]!)
  assert.equal(words.length, 24, 'the wizard shows 24 words')
  return { id: id!, words }
}
