/**
 * The keystore on disk: `<datadir>/keystore/` (mode 0700) holding one file per account, named
 * like geth's `UTC--<time>--<id>` (mode 0600).
 *
 * Files are written so that no crash or concurrent writer can leave a half-written key or
 * replace another one: a temporary file in the same directory is written and fsynced, then
 * hard-linked to its final name (`link()` fails if the name exists, where `rename()` would
 * silently replace it), the temporary name is removed, and the directory is fsynced so the
 * new name itself survives a power loss.
 */
import { chmod, mkdir, open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { isErrno, writeFileAtomic } from '../files.js'
import { ACCOUNT_FILE_PATTERN, KEYSTORE_DIR, KEYSTORE_DIR_MODE, KEYSTORE_FILE_MODE } from './constants.js'
import { KeystoreError } from './errors.js'

const NS_PER_MS = 1_000_000n

/** An account file found in the keystore directory, before it is opened. */
export interface AccountFile {
  readonly path: string
  readonly name: string
  /** The `ch1…` id in the name (checked against the contents when the file is read). */
  readonly id: string
  /** The time in the name, in nanoseconds since 1970: it orders accounts, oldest first. */
  readonly timeNs: bigint
}

export function keystoreDir(datadir: string): string {
  return join(datadir, KEYSTORE_DIR)
}

/** Creates the data dir and its keystore directory (0700) when missing; returns the latter. */
export async function ensureKeystoreDir(datadir: string): Promise<string> {
  const dir = keystoreDir(datadir)
  await mkdir(datadir, { recursive: true, mode: KEYSTORE_DIR_MODE })
  try {
    await mkdir(dir, { mode: KEYSTORE_DIR_MODE })
    // mkdir's mode passes through the umask; the keystore's must not depend on it.
    await chmod(dir, KEYSTORE_DIR_MODE)
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error
  }
  return dir
}

/** The current time in the nanoseconds of a file name (the clock gives milliseconds). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS
}

/** `UTC--2024-05-01T10-20-30.123000000Z--ch1…`, geth's layout with nanoseconds. */
export function accountFileName(timeNs: bigint, id: string): string {
  const ms = timeNs / NS_PER_MS
  const iso = new Date(Number(ms)).toISOString() // 2024-05-01T10:20:30.123Z
  const seconds = iso.slice(0, 19).replaceAll(':', '-')
  const fraction = (timeNs % 1_000_000_000n).toString().padStart(9, '0')
  return `UTC--${seconds}.${fraction}Z--${id}`
}

/** The time and id of an account file's name, or `undefined` for any other name. */
export function parseAccountFileName(name: string): { timeNs: bigint; id: string } | undefined {
  const match = ACCOUNT_FILE_PATTERN.exec(name)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second, nanos, id] = match as unknown as string[]
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second))
  if (Number.isNaN(ms)) return undefined
  const timeNs = BigInt(ms) * NS_PER_MS + BigInt(nanos!)
  // Date.UTC rolls month 13 into the next year: only names that format back exactly count.
  return accountFileName(timeNs, id!) === name ? { timeNs, id: id! } : undefined
}

/** The account files of a data dir, oldest first (ties, which need the same nanosecond, by name). */
export async function listAccountFiles(datadir: string): Promise<AccountFile[]> {
  const dir = keystoreDir(datadir)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return []
    throw error
  }
  const files: AccountFile[] = []
  for (const name of names) {
    const parsed = parseAccountFileName(name)
    if (parsed !== undefined) files.push({ path: join(dir, name), name, ...parsed })
  }
  return files.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : a.name < b.name ? -1 : 1))
}

/**
 * Writes `text` to `dir/name` (mode 0600) atomically and without ever replacing a file:
 * `KEYSTORE_ERROR_ALREADY_EXISTS` when the name is taken. Returns the path.
 */
export { isErrno }

export async function writeNewFile(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name)
  try {
    await writeFileAtomic(path, text, { mode: KEYSTORE_FILE_MODE })
  } catch (error) {
    if (isErrno(error, 'EEXIST')) {
      throw new KeystoreError('KEYSTORE_ERROR_ALREADY_EXISTS', { path }, `${path} already exists; it was left untouched`)
    }
    throw error
  }
  return path
}

/**
 * Reads a whole file of at most `maxBytes`, stopping as soon as it is longer. Works on pipes
 * too (`--password-file <(pass show chain)`), which have no size to check in advance.
 */
export async function readBoundedFile(path: string, maxBytes: number): Promise<{ text: string } | { tooLarge: true }> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > maxBytes) {
      buffer.fill(0)
      return { tooLarge: true }
    }
    const text = buffer.toString('utf8', 0, length)
    buffer.fill(0)
    return { text }
  } finally {
    await handle.close()
  }
}
