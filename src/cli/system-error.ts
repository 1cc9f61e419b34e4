/**
 * The system errors a command can meet on its data dir, as one line naming the problem and the
 * fix. Node's own message (`ENOSPC: no space left on device, write`) names neither the place
 * (a write on a file descriptor has no path) nor what to do.
 */
/** The errno codes with a message of their own; any other system error keeps Node's. */
export type HandledErrno = 'ENOSPC' | 'EDQUOT' | 'EACCES' | 'EPERM' | 'EROFS' | 'ENOTDIR' | 'EISDIR'

const HANDLED: ReadonlySet<string> = new Set<HandledErrno>(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR'])

export function isHandledSystemError(error: unknown): error is NodeJS.ErrnoException & { code: HandledErrno } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && HANDLED.has((error as NodeJS.ErrnoException).code!)
}

/** `datadir` names the place when the error has no path of its own. */
export function systemErrorMessage(error: NodeJS.ErrnoException & { code: HandledErrno }, datadir: string | undefined): { code: string; message: string } {
  const where = error.path ?? datadir ?? 'the data dir'
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: 'SYSTEM_ERROR_NO_SPACE', message: `no space left on the disk of ${where}: free some space, or give another --datadir` }
    case 'EACCES':
    case 'EPERM':
      return { code: 'SYSTEM_ERROR_PERMISSION', message: `permission denied on ${where}: fix its owner or permissions (chown, chmod u+rw), or give another --datadir` }
    case 'EROFS':
      return { code: 'SYSTEM_ERROR_READ_ONLY', message: `${where} is on a read-only file system: give another --datadir` }
    case 'ENOTDIR':
      return { code: 'SYSTEM_ERROR_NOT_A_DIRECTORY', message: `${where}: a part of this path is a file where a directory is needed: move the file, or give another --datadir` }
    case 'EISDIR':
      return { code: 'SYSTEM_ERROR_IS_A_DIRECTORY', message: `${where} is a directory where a file is needed` }
  }
}
