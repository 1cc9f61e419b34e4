/**
 * How a failed command ends: the exit code, the error code and the one-line message, the same
 * with and without `--json` (docs/cli.md lists them). Each module's typed error is mapped by
 * an exhaustive switch over its codes, so a new code does not compile until its exit code is
 * decided; anything that is not a typed error is a bug or a system error and exits 1.
 */
import { ChainError, errorMessage } from '../errors.js'
import { AddressError, type AddressErrorCode } from '../crypto/identity.js'
import { GenesisError, type GenesisErrorCode } from '../ledger/genesis.js'
import { QueryError, type QueryErrorCode } from '../chain/queries.js'
import { KeystoreError, type KeystoreErrorCode } from '../keystore/errors.js'
import { StoreError, type StoreErrorCode } from '../store/chain-store.js'
import { DatadirError, type DatadirErrorCode } from '../node/datadir.js'
import { WalletError } from '../node/wallet.js'
import { RpcClientError, type RpcClientErrorCode } from '../rpc/client.js'
import { RpcErrorCode } from '../rpc/protocol.js'
import { CommandError } from './command-error.js'
import { ArgsError } from './transaction-flags.js'
import { PasswordError, type PasswordErrorCode } from './password.js'
import { ExitCode } from './exit-codes.js'

/** What a failed command reports: `{"error":{code,message}}` with `--json`, else `Error: message`. */
export interface Failure {
  readonly exit: ExitCode
  readonly code: string
  readonly message: string
}

/** The code of an error that is not one of ours (a bug, or a system error we did not expect). */
export const UNEXPECTED_ERROR_CODE = 'CLI_ERROR_UNEXPECTED'

export function failureOf(error: unknown): Failure {
  const message = errorMessage(error)
  if (error instanceof ChainError) {
    const typed = error as ChainError<string, object>
    return { exit: exitCodeOf(typed), code: typed.code, message }
  }
  return { exit: ExitCode.Failure, code: UNEXPECTED_ERROR_CODE, message }
}

function exitCodeOf(error: ChainError): ExitCode {
  if (error instanceof CommandError) return error.data.exit
  if (error instanceof ArgsError) return ExitCode.Usage
  if (error instanceof PasswordError) return passwordExit(error.code)
  if (error instanceof AddressError) return addressExit(error.code)
  if (error instanceof QueryError) return queryExit(error.code)
  if (error instanceof GenesisError) return genesisExit(error.code)
  if (error instanceof KeystoreError) return keystoreExit(error.code)
  if (error instanceof StoreError) return storeExit(error.code)
  if (error instanceof DatadirError) return datadirExit(error.code)
  if (error instanceof WalletError) return walletExit(error.code)
  if (error instanceof RpcClientError) return rpcClientExit(error.code, error.data.rpcCode)
  // A typed error of a lower layer that no command expects to pass on: a failure like any other.
  return ExitCode.Failure
}

function passwordExit(code: PasswordErrorCode): ExitCode {
  switch (code) {
    case 'PASSWORD_ERROR_NO_SOURCE':
      return ExitCode.Usage
    case 'PASSWORD_ERROR_CANCELLED':
      return ExitCode.Interrupted
    case 'PASSWORD_ERROR_BAD_FILE':
    case 'PASSWORD_ERROR_WEAK':
    case 'PASSWORD_ERROR_TOO_MANY_ATTEMPTS':
      return ExitCode.Failure
  }
}

function addressExit(code: AddressErrorCode): ExitCode {
  switch (code) {
    case 'ADDRESS_ERROR_MALFORMED':
    case 'ADDRESS_ERROR_WRONG_PREFIX':
    case 'ADDRESS_ERROR_BAD_LENGTH':
      return ExitCode.Usage
  }
}

function queryExit(code: QueryErrorCode): ExitCode {
  switch (code) {
    case 'QUERY_ERROR_BAD_SELECTOR':
    case 'QUERY_ERROR_BAD_HASH':
      return ExitCode.Usage
  }
}

/** A genesis file is given by a flag: one that does not parse is a bad argument. */
function genesisExit(code: GenesisErrorCode): ExitCode {
  switch (code) {
    case 'GENESIS_ERROR_NOT_JSON':
    case 'GENESIS_ERROR_BAD_FIELD':
    case 'GENESIS_ERROR_UNKNOWN_FIELD':
      return ExitCode.Usage
  }
}

function keystoreExit(code: KeystoreErrorCode): ExitCode {
  switch (code) {
    case 'KEYSTORE_ERROR_NOT_FOUND':
      return ExitCode.NotFound
    case 'KEYSTORE_ERROR_CORRUPT':
    case 'KEYSTORE_ERROR_INCOMPATIBLE':
      return ExitCode.BadData
    case 'KEYSTORE_ERROR_BAD_MNEMONIC':
      return ExitCode.Usage
    case 'KEYSTORE_ERROR_WRONG_PASSWORD':
    case 'KEYSTORE_ERROR_ALREADY_EXISTS':
      return ExitCode.Failure
  }
}

function storeExit(code: StoreErrorCode): ExitCode {
  switch (code) {
    case 'STORE_ERROR_CORRUPT':
    case 'STORE_ERROR_INCOMPATIBLE':
    case 'STORE_ERROR_WRONG_NETWORK':
      return ExitCode.BadData
    // No database is "no chain data here", not a missing block: exit 1 like DATADIR_ERROR_NO_CHAIN.
    case 'STORE_ERROR_NOT_FOUND':
    case 'STORE_ERROR_LOCKED':
      return ExitCode.Failure
  }
}

function datadirExit(code: DatadirErrorCode): ExitCode {
  switch (code) {
    case 'DATADIR_ERROR_AMBIGUOUS':
    case 'DATADIR_ERROR_UNKNOWN_NETWORK':
    case 'DATADIR_ERROR_GENESIS_MISMATCH':
    case 'DATADIR_ERROR_BAD_GENESIS_FILE':
      return ExitCode.Usage
    case 'DATADIR_ERROR_NO_CHAIN':
      return ExitCode.Failure
  }
}

function walletExit(code: WalletError['code']): ExitCode {
  switch (code) {
    case 'WALLET_ERROR_TIMEOUT':
    case 'WALLET_ERROR_BAD_NODE':
      return ExitCode.Failure
  }
}

function rpcClientExit(code: RpcClientErrorCode, rpcCode: number | undefined): ExitCode {
  switch (code) {
    case 'RPC_CLIENT_ERROR_NO_NODE':
    case 'RPC_CLIENT_ERROR_UNREACHABLE':
      return ExitCode.NodeUnavailable
    case 'RPC_CLIENT_ERROR_BAD_RESPONSE':
      return ExitCode.Failure
    case 'RPC_CLIENT_ERROR_REMOTE':
      return isRpcErrorCode(rpcCode) ? remoteExit(rpcCode) : ExitCode.Failure
  }
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
      return ExitCode.Failure
  }
}

const RPC_ERROR_CODES: ReadonlySet<number> = new Set(Object.values(RpcErrorCode))

function isRpcErrorCode(code: number | undefined): code is RpcErrorCode {
  return code !== undefined && RPC_ERROR_CODES.has(code)
}
