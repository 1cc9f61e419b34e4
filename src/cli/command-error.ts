/**
 * The typed error a command raises itself: a one-line message and the exit code it means. Its
 * code names the exit code, so scripts reading `--json` see `COMMAND_ERROR_NOT_FOUND` beside
 * exit 3.
 */
import { ChainError } from '../errors.js'
import { ExitCode } from './exit-codes.js'

export type CommandErrorCode =
  | 'COMMAND_ERROR_FAILED'
  | 'COMMAND_ERROR_USAGE'
  | 'COMMAND_ERROR_NOT_FOUND'
  | 'COMMAND_ERROR_NODE_UNAVAILABLE'
  | 'COMMAND_ERROR_BAD_DATA'
  | 'COMMAND_ERROR_INTERRUPTED'
  | 'COMMAND_ERROR_NOT_READABLE'

export class CommandError extends ChainError<CommandErrorCode, { exit: ExitCode }> {
  constructor(message: string, exit: ExitCode = ExitCode.Failure) {
    super(commandErrorCode(exit), { exit }, message)
  }
}

function commandErrorCode(exit: ExitCode): CommandErrorCode {
  switch (exit) {
    case ExitCode.Failure:
      return 'COMMAND_ERROR_FAILED'
    case ExitCode.Usage:
      return 'COMMAND_ERROR_USAGE'
    case ExitCode.NotFound:
      return 'COMMAND_ERROR_NOT_FOUND'
    case ExitCode.NodeUnavailable:
      return 'COMMAND_ERROR_NODE_UNAVAILABLE'
    case ExitCode.BadData:
      return 'COMMAND_ERROR_BAD_DATA'
    case ExitCode.Interrupted:
      return 'COMMAND_ERROR_INTERRUPTED'
    case ExitCode.NotReadable:
      return 'COMMAND_ERROR_NOT_READABLE'
  }
}
