/**
 * The typed errors of the keystore. Messages are one line meant for users; the data carries
 * the facts (which file, which field) for code and tests.
 */
import { ChainError } from '../errors.js'

export type KeystoreErrorCode =
  /** A file decrypted with a password whose MAC does not match: the password is wrong. */
  | 'KEYSTORE_ERROR_WRONG_PASSWORD'
  /** No account with the id asked for, or no account at all, in the data dir's keystore. */
  | 'KEYSTORE_ERROR_NOT_FOUND'
  /** An account with this id already has a file: importing or recovering it again is refused. */
  | 'KEYSTORE_ERROR_ALREADY_EXISTS'
  /** Truncated, not JSON, a missing or ill-typed field, bad hex, a key of the wrong length,
   *  or a public key or id that does not match the key (the fields outside the MAC were edited). */
  | 'KEYSTORE_ERROR_CORRUPT'
  /** A well-formed file we do not implement (version, cipher, kdf, prf) or kdf parameters
   *  outside the limits of constants.ts, refused before computing anything. */
  | 'KEYSTORE_ERROR_INCOMPATIBLE'
  /** A recovery phrase that is not a valid BIP39 mnemonic (unknown word, bad checksum). */
  | 'KEYSTORE_ERROR_BAD_MNEMONIC'

export interface KeystoreErrorData {
  /** The file concerned, when there is one. */
  readonly path?: string
  /** What exactly is wrong, e.g. `kdfparams.n: expected a power of 2 from 2 to 4194304, got 3`. */
  readonly detail?: string
}

export class KeystoreError extends ChainError<KeystoreErrorCode, KeystoreErrorData> {
  constructor(code: KeystoreErrorCode, data: KeystoreErrorData, message: string) {
    super(code, data, message)
  }

  /** The one message a wrong password gets, exactly, wherever it is detected. */
  static wrongPassword(path?: string): KeystoreError {
    return new KeystoreError('KEYSTORE_ERROR_WRONG_PASSWORD', path === undefined ? {} : { path }, 'wrong password')
  }

  static corrupt(detail: string, path?: string): KeystoreError {
    return new KeystoreError('KEYSTORE_ERROR_CORRUPT', withPath({ detail }, path), `${where(path)}corrupt keystore: ${detail}`)
  }

  static incompatible(detail: string, path?: string): KeystoreError {
    return new KeystoreError(
      'KEYSTORE_ERROR_INCOMPATIBLE',
      withPath({ detail }, path),
      `${where(path)}unsupported keystore: ${detail}`,
    )
  }
}

function withPath(data: { detail: string }, path: string | undefined): KeystoreErrorData {
  return path === undefined ? data : { path, detail: data.detail }
}

function where(path: string | undefined): string {
  return path === undefined ? '' : `${path}: `
}
