/**
 * The data directory as a place on disk: checked before a command uses it, so that a data dir
 * that is a file or cannot be read gets one line naming the problem and the fix, instead of
 * the first system call that trips on it (`ENOTDIR: not a directory, scandir '…/keystore'`).
 * A missing data dir is fine: the commands that write create it.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { ChainError } from '../errors.js'
import { isErrno } from '../files.js'

export type DatadirAccessErrorCode =
  /** The path exists and is not a directory (or a part of it is a file). */
  | 'DATADIR_ACCESS_ERROR_NOT_A_DIRECTORY'
  /** The directory exists but this user may not list or enter it. */
  | 'DATADIR_ACCESS_ERROR_UNREADABLE'

export class DatadirAccessError extends ChainError<DatadirAccessErrorCode, { datadir: string }> {
  constructor(code: DatadirAccessErrorCode, datadir: string, message: string) {
    super(code, { datadir }, message)
  }
}

export async function checkDatadir(datadir: string): Promise<void> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(datadir)).isDirectory()
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return
    if (isErrno(error, 'ENOTDIR')) throw notADirectory(datadir, 'a part of its path is a file')
    if (isErrno(error, 'EACCES')) throw unreadable(datadir)
    throw error
  }
  if (!isDirectory) throw notADirectory(datadir, 'it is a file')
  try {
    await access(datadir, constants.R_OK | constants.X_OK)
  } catch (error) {
    if (isErrno(error, 'EACCES', 'EPERM')) throw unreadable(datadir)
    throw error
  }
}

function notADirectory(datadir: string, why: string): DatadirAccessError {
  return new DatadirAccessError(
    'DATADIR_ACCESS_ERROR_NOT_A_DIRECTORY',
    datadir,
    `the data dir ${datadir} is not a directory (${why}): give --datadir a directory, or a path where one can be made`,
  )
}

function unreadable(datadir: string): DatadirAccessError {
  return new DatadirAccessError(
    'DATADIR_ACCESS_ERROR_UNREADABLE',
    datadir,
    `the data dir ${datadir} cannot be read by this user: fix its owner or permissions (chown, chmod u+rwx), or give another --datadir`,
  )
}
