/**
 * How a failed command ends: the exit code, the error code and the one-line message, the same
 * with and without `--json` (docs/cli.md lists them). The exit code of every typed error that
 * can reach a command is decided in one table keyed by the union of their codes, so a new
 * code does not compile until its exit code is chosen; anything else is a bug or a system
 * error we did not expect, and exits 1.
 *
 * The table, not `instanceof` over the error classes: this module is loaded by every command,
 * and importing the classes would load LevelDB, the chain and the keystore before
 * `chain --version` could answer. Type-only imports cost nothing at run time.
 */
import { ChainError, errorMessage } from '../errors.js'
import type { AddressErrorCode } from '../crypto/identity.js'
import type { GenesisErrorCode } from '../ledger/genesis.js'
import type { QueryErrorCode } from '../chain/queries.js'
import type { KeystoreErrorCode } from '../keystore/errors.js'
import type { StoreErrorCode } from '../store/chain-store.js'
import type { DatadirErrorCode } from '../node/datadir.js'
import type { WalletError } from '../client/wallet.js'
import type { RpcClientErrorCode } from '../rpc/client.js'
import type { ParticipantErrorCode } from '../participants/errors.js'
import type { RecordErrorCode } from '../ledger/encrypted-record.js'
import { RpcErrorCode } from '../rpc/protocol.js'
import type { CommandErrorCode } from './command-error.js'
import type { DatadirAccessErrorCode } from './datadir-access.js'
import { isHandledSystemError, systemErrorMessage } from './system-error.js'
import type { ArgsError } from './transaction-flags.js'
import type { PasswordErrorCode } from './password.js'
import { ExitCode } from './exit-codes.js'

/** What a failed command reports: `{"error":{code,message}}` with `--json`, else `Error: message`. */
export interface Failure {
  readonly exit: ExitCode
  readonly code: string
  readonly message: string
}

/** The code of an error that is not one of ours (a bug, or a system error we did not expect). */
export const UNEXPECTED_ERROR_CODE = 'CLI_ERROR_UNEXPECTED'

/** `datadir`, when the flags were parsed, names the place of a system error that has no path. */
export function failureOf(error: unknown, datadir?: string): Failure {
  if (isHandledSystemError(error)) return { exit: ExitCode.Failure, ...systemErrorMessage(error, datadir) }
  const message = errorMessage(error)
  if (error instanceof ChainError) {
    const typed = error as ChainError<string, object>
    return { exit: exitCodeOf(typed), code: typed.code, message }
  }
  return { exit: ExitCode.Failure, code: UNEXPECTED_ERROR_CODE, message }
}

/** Every code a command can meet, from the modules it calls. */
type KnownCode =
  | CommandErrorCode
  | DatadirAccessErrorCode
  | ArgsError['code']
  | PasswordErrorCode
  | AddressErrorCode
  | QueryErrorCode
  | GenesisErrorCode
  | KeystoreErrorCode
  | StoreErrorCode
  | DatadirErrorCode
  | WalletError['code']
  | ParticipantErrorCode
  | RecordErrorCode
  | Exclude<RpcClientErrorCode, 'RPC_CLIENT_ERROR_REMOTE'>

/** The exit code of each; `RPC_CLIENT_ERROR_REMOTE` is decided by the node's JSON-RPC code below. */
const EXIT_CODES: Readonly<Record<KnownCode, ExitCode>> = {
  COMMAND_ERROR_FAILED: ExitCode.Failure,
  COMMAND_ERROR_USAGE: ExitCode.Usage,
  COMMAND_ERROR_NOT_FOUND: ExitCode.NotFound,
  COMMAND_ERROR_NODE_UNAVAILABLE: ExitCode.NodeUnavailable,
  COMMAND_ERROR_BAD_DATA: ExitCode.BadData,
  COMMAND_ERROR_INTERRUPTED: ExitCode.Interrupted,
  COMMAND_ERROR_NOT_READABLE: ExitCode.NotReadable,

  DATADIR_ACCESS_ERROR_NOT_A_DIRECTORY: ExitCode.Failure,
  DATADIR_ACCESS_ERROR_UNREADABLE: ExitCode.Failure,

  ARGS_ERROR_BAD_JSON: ExitCode.Usage,

  PASSWORD_ERROR_NO_SOURCE: ExitCode.Usage,
  PASSWORD_ERROR_CANCELLED: ExitCode.Interrupted,
  PASSWORD_ERROR_BAD_FILE: ExitCode.Failure,
  PASSWORD_ERROR_WEAK: ExitCode.Failure,
  PASSWORD_ERROR_TOO_MANY_ATTEMPTS: ExitCode.Failure,

  ADDRESS_ERROR_MALFORMED: ExitCode.Usage,
  ADDRESS_ERROR_WRONG_PREFIX: ExitCode.Usage,
  ADDRESS_ERROR_BAD_LENGTH: ExitCode.Usage,

  QUERY_ERROR_BAD_SELECTOR: ExitCode.Usage,
  QUERY_ERROR_BAD_HASH: ExitCode.Usage,

  // A genesis file is given by a flag: one that does not parse is a bad argument.
  GENESIS_ERROR_NOT_JSON: ExitCode.Usage,
  GENESIS_ERROR_BAD_FIELD: ExitCode.Usage,
  GENESIS_ERROR_UNKNOWN_FIELD: ExitCode.Usage,

  KEYSTORE_ERROR_NOT_FOUND: ExitCode.NotFound,
  KEYSTORE_ERROR_CORRUPT: ExitCode.BadData,
  KEYSTORE_ERROR_INCOMPATIBLE: ExitCode.BadData,
  KEYSTORE_ERROR_BAD_MNEMONIC: ExitCode.Usage,
  KEYSTORE_ERROR_WRONG_PASSWORD: ExitCode.Failure,
  KEYSTORE_ERROR_ALREADY_EXISTS: ExitCode.Failure,

  STORE_ERROR_CORRUPT: ExitCode.BadData,
  STORE_ERROR_INCOMPATIBLE: ExitCode.BadData,
  STORE_ERROR_WRONG_NETWORK: ExitCode.BadData,
  // No database is "no chain data here", not a missing block: exit 1 like DATADIR_ERROR_NO_CHAIN.
  STORE_ERROR_NOT_FOUND: ExitCode.Failure,
  STORE_ERROR_LOCKED: ExitCode.Failure,

  DATADIR_ERROR_AMBIGUOUS: ExitCode.Usage,
  DATADIR_ERROR_UNKNOWN_NETWORK: ExitCode.Usage,
  DATADIR_ERROR_GENESIS_MISMATCH: ExitCode.Usage,
  DATADIR_ERROR_BAD_GENESIS_FILE: ExitCode.Usage,
  DATADIR_ERROR_NO_CHAIN: ExitCode.Failure,

  WALLET_ERROR_TIMEOUT: ExitCode.Failure,
  WALLET_ERROR_BAD_NODE: ExitCode.Failure,
  // The node dropped the transaction while --wait waited (docs/cli.md: exit 1, `dropped: REASON`).
  WALLET_ERROR_DROPPED: ExitCode.Failure,

  PARTICIPANT_ERROR_ALREADY_REGISTERED: ExitCode.Failure,
  PARTICIPANT_ERROR_NOT_REGISTERED: ExitCode.Failure,
  PARTICIPANT_ERROR_UNKNOWN_RECIPIENT: ExitCode.Failure,
  PARTICIPANT_ERROR_NO_ENCRYPTION_KEY: ExitCode.Failure,
  PARTICIPANT_ERROR_DUPLICATE_RECIPIENT: ExitCode.Failure,
  PARTICIPANT_ERROR_BAD_BINDING: ExitCode.Failure,
  PARTICIPANT_ERROR_KEY_NOT_IN_KEYSTORE: ExitCode.Failure,
  PARTICIPANT_ERROR_BAD_RECORD: ExitCode.BadData,

  // Records (docs/records.md): exit 6 when this account may not read one.
  RECORD_ERROR_TOO_LARGE: ExitCode.Failure,
  RECORD_ERROR_BAD_RECIPIENTS: ExitCode.Failure,
  RECORD_ERROR_NOT_A_RECIPIENT: ExitCode.NotReadable,
  RECORD_ERROR_NO_KEY: ExitCode.NotReadable,
  RECORD_ERROR_DECRYPTION_FAILED: ExitCode.BadData,

  RPC_CLIENT_ERROR_NO_NODE: ExitCode.NodeUnavailable,
  RPC_CLIENT_ERROR_UNREACHABLE: ExitCode.NodeUnavailable,
  RPC_CLIENT_ERROR_BAD_RESPONSE: ExitCode.Failure,
}

function exitCodeOf(error: ChainError<string, object>): ExitCode {
  if (error.code === 'RPC_CLIENT_ERROR_REMOTE') {
    const { rpcCode } = error.data as { rpcCode?: unknown }
    return typeof rpcCode === 'number' && isRpcErrorCode(rpcCode) ? remoteExit(rpcCode) : ExitCode.Failure
  }
  if (Object.hasOwn(EXIT_CODES, error.code)) return EXIT_CODES[error.code as KnownCode]
  // A typed error of a lower layer that no command expects to pass on: a failure like any other.
  return ExitCode.Failure
}

/** The node's answer, by JSON-RPC error code (docs/rpc.md). */
function remoteExit(rpcCode: RpcErrorCode): ExitCode {
  switch (rpcCode) {
    case RpcErrorCode.NotFound:
      return ExitCode.NotFound
    // A parameter only the node could check (the command checks what it can before sending).
    case RpcErrorCode.InvalidParams:
      return ExitCode.Usage
    case RpcErrorCode.ParseError:
    case RpcErrorCode.InvalidRequest:
    case RpcErrorCode.MethodNotFound:
    case RpcErrorCode.InternalError:
    case RpcErrorCode.TransactionRejected:
    case RpcErrorCode.CallFailed:
    case RpcErrorCode.Unauthorized:
    case RpcErrorCode.Unavailable:
    case RpcErrorCode.LimitExceeded:
      return ExitCode.Failure
  }
}

const RPC_ERROR_CODES: ReadonlySet<number> = new Set(Object.values(RpcErrorCode))

function isRpcErrorCode(code: number): code is RpcErrorCode {
  return RPC_ERROR_CODES.has(code)
}
