/**
 * Durable, atomic file writes: the one way `chain` writes a file that matters (keystores, the
 * peer key, the genesis copy, node.json, the RPC cookie).
 *
 * The data goes to a temporary file in the same directory, is fsynced, and only then gets its
 * name: with `rename` (replacing what was there) or with `link` (which fails if the name is
 * taken, so nothing is ever overwritten). Then the directory is fsynced, which makes the new
 * name itself durable. A crash at any point leaves the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto'
import { link, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export const TEMP_FILE_PREFIX = '.tmp-'

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '')
}

/** fsync of a directory, which makes a new or removed name durable (POSIX; no-op elsewhere). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the data itself is synced.
    if (!isErrno(error, 'EISDIR', 'EINVAL', 'EPERM')) throw error
  } finally {
    await handle.close()
  }
}

export interface AtomicWriteOptions {
  /** File mode of the new file (0600 for secrets). */
  readonly mode?: number
  /** Replace an existing file (`rename`); otherwise fail with EEXIST (`link`). */
  readonly replace?: boolean
}

/** Writes `data` to `path` atomically and durably (see the file comment). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o644
  const dir = dirname(path)
  const temp = join(dir, `${TEMP_FILE_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`)
  const handle = await open(temp, 'wx', mode)
  try {
    try {
      await handle.chmod(mode)
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (options.replace === true) await rename(temp, path)
    else await link(temp, path)
  } finally {
    await unlink(temp).catch(() => undefined)
  }
  await syncDirectory(dir)
}

/** Removes a file and makes the removal durable; a file already gone is fine. */
export async function removeFileDurably(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return
    throw error
  }
  await syncDirectory(dirname(path))
}
