/**
 * Where passwords come from, for every command that needs one: `--password-file F`, the
 * `CHAIN_PASSWORD` environment variable, or a prompt at the terminal with hidden input.
 * Never a flag's value: that would be kept in shell history and shown by `ps`.
 *
 * New passwords (`confirm`) are asked twice at a terminal and held to the same strength rules
 * whatever their source. Terminal input is read in raw mode, so nothing typed is echoed.
 */
import { MAX_SECRET_FILE_BYTES } from '../keystore/constants.js'
import { isErrno, readBoundedFile } from '../keystore/files.js'
import { ChainError } from '../errors.js'
import { describeStrength, judgePassword, passwordWeakness } from './password-strength.js'

export const PASSWORD_ENV = 'CHAIN_PASSWORD'

/** Tries at a terminal before giving up: enough for typos, not a loop for a stuck script. */
const MAX_PROMPT_ATTEMPTS = 3

export type PasswordErrorCode =
  /** stdin is not a terminal and neither a file nor the environment gave a password. */
  | 'PASSWORD_ERROR_NO_SOURCE'
  /** A password or mnemonic file is missing, unreadable or larger than a secret is. */
  | 'PASSWORD_ERROR_BAD_FILE'
  /** A new password from a file or the environment fails the strength rules. */
  | 'PASSWORD_ERROR_WEAK'
  /** Three prompts in a row gave a weak or mismatched password. */
  | 'PASSWORD_ERROR_TOO_MANY_ATTEMPTS'
  /** Ctrl-C, or Ctrl-D on an empty line, at a prompt. */
  | 'PASSWORD_ERROR_CANCELLED'

export class PasswordError extends ChainError<PasswordErrorCode, { detail?: string }> {
  constructor(code: PasswordErrorCode, message: string, detail?: string) {
    super(code, detail === undefined ? {} : { detail }, message)
  }
}

export interface ReadPasswordOptions {
  /** `--password-file`: the first line of this file is the password. */
  readonly passwordFile?: string | undefined
  /** A new password: asked twice at a terminal, and refused if weak whatever its source. */
  readonly confirm?: boolean
  /** The question at the terminal, without the colon. */
  readonly prompt?: string
  /** The environment variable to read (`CHAIN_NEW_PASSWORD` for a second password). */
  readonly env?: string
  /** The flag that names a file, for error messages (`--new-password-file`). */
  readonly fileFlag?: string
}

/** A password from the file, else the environment, else the terminal (see the file comment). */
export async function readPassword(options: ReadPasswordOptions = {}): Promise<string> {
  const env = options.env ?? PASSWORD_ENV
  const fileFlag = options.fileFlag ?? '--password-file'
  let password: string | undefined
  let source = ''
  if (options.passwordFile !== undefined) {
    password = firstLine(await readSecretFile(options.passwordFile, 'password file'))
    source = options.passwordFile
  } else if (process.env[env] !== undefined) {
    password = process.env[env]
    source = env
  }
  if (password !== undefined) {
    // An empty password opens an existing keystore (geth and ethers write such files); a new
    // one is held to the strength rules, which refuse it.
    const weakness = options.confirm === true ? await passwordWeakness(password) : undefined
    if (weakness !== undefined) throw new PasswordError('PASSWORD_ERROR_WEAK', `the password in ${source} is too weak: ${weakness}`, weakness)
    return password
  }
  if (!process.stdin.isTTY) {
    throw new PasswordError(
      'PASSWORD_ERROR_NO_SOURCE',
      `a password is needed: give ${fileFlag} FILE, set ${env}, or run in a terminal to be asked`,
    )
  }
  return options.confirm === true ? askNewPassword(options.prompt ?? 'New password') : askLine(`${options.prompt ?? 'Password'}: `, { hidden: true })
}

async function askNewPassword(prompt: string): Promise<string> {
  for (let attempt = 1; attempt <= MAX_PROMPT_ATTEMPTS; attempt++) {
    const password = await askLine(`${prompt}: `, { hidden: true })
    const weakness = await passwordWeakness(password)
    if (weakness !== undefined) {
      process.stderr.write(`Too weak: ${weakness} Try another.\n`)
      continue
    }
    if ((await askLine('Repeat it: ', { hidden: true })) === password) {
      process.stderr.write(`Password strength: ${describeStrength(await judgePassword(password))} (zxcvbn).\n`)
      return password
    }
    process.stderr.write('The two passwords differ. Try again.\n')
  }
  throw new PasswordError('PASSWORD_ERROR_TOO_MANY_ATTEMPTS', `no acceptable password after ${MAX_PROMPT_ATTEMPTS} tries`)
}

/**
 * A small secret file (password, recovery phrase), read with a size bound so that a wrong path
 * (a disk image, /dev/zero) fails fast. Pipes work: `--password-file <(pass show chain)`.
 */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let read: Awaited<ReturnType<typeof readBoundedFile>>
  try {
    read = await readBoundedFile(path, MAX_SECRET_FILE_BYTES)
  } catch (error) {
    const reason = isErrno(error, 'ENOENT') ? 'no such file' : isErrno(error, 'EACCES') ? 'permission denied' : 'cannot be read'
    throw new PasswordError('PASSWORD_ERROR_BAD_FILE', `${path}: ${reason}`, reason)
  }
  if ('tooLarge' in read) {
    throw new PasswordError('PASSWORD_ERROR_BAD_FILE', `${path}: larger than ${MAX_SECRET_FILE_BYTES} bytes, not a ${what}`)
  }
  return read.text
}

/** The first line without its line ending, as geth reads `--password` files. */
function firstLine(text: string): string {
  const end = text.indexOf('\n')
  const line = end === -1 ? text : text.slice(0, end)
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

// --- The terminal ---

/** Characters typed ahead of a prompt (a paste of several lines), kept for the next one. */
let typedAhead = ''

/**
 * Reads one line from the terminal in raw mode, echoing it unless `hidden`, writing to stderr
 * so that stdout stays clean for `--json`. Handles backspace, Ctrl-U, and ignores escape
 * sequences (arrow keys); Ctrl-C or Ctrl-D on an empty line cancels.
 */
export async function askLine(question: string, options: { readonly hidden?: boolean } = {}): Promise<string> {
  const input = process.stdin
  const output = process.stderr
  if (!input.isTTY) throw new PasswordError('PASSWORD_ERROR_NO_SOURCE', 'this question needs a terminal')
  // Raw mode first: keys typed as soon as the question shows must not be echoed.
  input.setRawMode(true)
  input.setEncoding('utf8')
  output.write(question)
  return new Promise<string>((resolve, reject) => {
    let line = ''
    let escape: 'none' | 'start' | 'sequence' = 'none'
    const finish = (): void => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.setRawMode(false)
      input.pause()
      output.write('\n')
    }
    const onData = (chunk: string): void => {
      const text = typedAhead + chunk
      typedAhead = ''
      const chars = [...text]
      for (let i = 0; i < chars.length; i++) {
        const char = chars[i]!
        if (escape !== 'none') {
          // ESC [ params final (CSI) or ESC O x (SS3): skip until the final byte.
          if (escape === 'start' && (char === '[' || char === 'O')) escape = 'sequence'
          else if (escape === 'start' || (char >= '@' && char <= '~')) escape = 'none'
          continue
        }
        if (char === '\r' || char === '\n') {
          // A pasted "\r\n" is one line ending, not an empty line for the next question.
          const rest = chars.slice(char === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1).join('')
          typedAhead = rest
          finish()
          resolve(line)
          return
        }
        if (char === '\u0003' || (char === '\u0004' && line === '')) {
          finish()
          reject(new PasswordError('PASSWORD_ERROR_CANCELLED', 'cancelled; nothing was written'))
          return
        }
        if (char === '\u007f' || char === '\b') {
          if (line !== '') {
            line = [...line].slice(0, -1).join('')
            if (options.hidden !== true) output.write('\b \b')
          }
        } else if (char === '\u0015') {
          if (options.hidden !== true) output.write('\b \b'.repeat([...line].length))
          line = ''
        } else if (char === '\u001b') {
          escape = 'start'
        } else if (char >= ' ') {
          line += char
          if (options.hidden !== true) output.write(char)
        }
      }
    }
    // The terminal went away (hang-up): nobody is there to answer.
    const onEnd = (): void => {
      finish()
      reject(new PasswordError('PASSWORD_ERROR_CANCELLED', 'cancelled: the terminal closed; nothing was written'))
    }
    input.on('data', onData)
    input.on('end', onEnd)
    input.resume()
    if (typedAhead !== '') onData('')
  })
}
