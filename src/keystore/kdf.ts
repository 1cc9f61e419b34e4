/**
 * The password-based key derivation of a v3 keystore: scrypt (what `chain` writes) and
 * pbkdf2-hmac-sha256 (what some tools wrote, read only).
 *
 * Both run in OpenSSL through `node:crypto`, on libuv's thread pool, so a second of scrypt
 * does not stall the node's event loop. The parameters come from a file that may be hostile,
 * so they are checked against the limits of constants.ts before any memory is reserved or
 * any round computed: a file asking for N = 2^40 is refused at once, not after an hour.
 */
import { pbkdf2, scrypt, type ScryptOptions } from 'node:crypto'
import { promisify } from 'node:util'
import { scryptAsync as nobleScrypt } from '@noble/hashes/scrypt.js'
import { asBytes } from '../encoding/bytes.js'
import {
  DERIVED_KEY_BYTES,
  MAX_PBKDF2_ITERATIONS,
  MAX_SALT_BYTES,
  MAX_SCRYPT_MEMORY_BYTES,
  MAX_SCRYPT_N,
  MAX_SCRYPT_P,
  MAX_SCRYPT_R,
} from './constants.js'
import { KeystoreError } from './errors.js'

export interface ScryptParams {
  readonly kdf: 'scrypt'
  readonly n: number
  readonly r: number
  readonly p: number
  readonly salt: Uint8Array
}

export interface Pbkdf2Params {
  readonly kdf: 'pbkdf2'
  /** Iterations of HMAC-SHA256 (the only `prf` accepted). */
  readonly c: number
  readonly salt: Uint8Array
}

export type KdfParams = ScryptParams | Pbkdf2Params

/** Memory OpenSSL's scrypt needs for its main array, 128 · N · r bytes (RFC 7914, section 5). */
export function scryptMemoryBytes(n: number, r: number): number {
  return 128 * n * r
}

/**
 * Checks parameters against the limits, throwing `KEYSTORE_ERROR_INCOMPATIBLE` with the field
 * and its allowed range. Called by the parser and again by `deriveKey`, so no path computes
 * with unchecked values.
 */
export function checkKdfParams(params: KdfParams, path?: string): void {
  const refuse = (field: string, expected: string, actual: number): never => {
    throw KeystoreError.incompatible(`kdfparams.${field}: expected ${expected}, got ${actual}`, path)
  }
  if (params.salt.length === 0 || params.salt.length > MAX_SALT_BYTES) {
    refuse('salt', `1 to ${MAX_SALT_BYTES} bytes`, params.salt.length)
  }
  if (params.kdf === 'pbkdf2') {
    if (!isIntegerIn(params.c, 1, MAX_PBKDF2_ITERATIONS)) refuse('c', `an integer from 1 to ${MAX_PBKDF2_ITERATIONS}`, params.c)
    return
  }
  // N must be a power of two above 1 (RFC 7914): OpenSSL would refuse others, but later.
  if (!isIntegerIn(params.n, 2, MAX_SCRYPT_N) || (params.n & (params.n - 1)) !== 0) {
    refuse('n', `a power of 2 from 2 to ${MAX_SCRYPT_N}`, params.n)
  }
  if (!isIntegerIn(params.r, 1, MAX_SCRYPT_R)) refuse('r', `an integer from 1 to ${MAX_SCRYPT_R}`, params.r)
  if (!isIntegerIn(params.p, 1, MAX_SCRYPT_P)) refuse('p', `an integer from 1 to ${MAX_SCRYPT_P}`, params.p)
  const memory = scryptMemoryBytes(params.n, params.r)
  if (memory > MAX_SCRYPT_MEMORY_BYTES) {
    throw KeystoreError.incompatible(
      `kdfparams n and r: expected at most ${MAX_SCRYPT_MEMORY_BYTES} bytes of scrypt memory (128·n·r), got ${memory}`,
      path,
    )
  }
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max
}

const pbkdf2Async = promisify(pbkdf2)

function scryptAsync(password: Uint8Array, salt: Uint8Array, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, derived) => (error === null ? resolve(derived) : reject(error)))
  })
}

/**
 * The 32-byte derived key: bytes 0..16 are the AES-128 key, bytes 16..32 authenticate the
 * ciphertext. The caller zeroes it after use.
 */
export async function deriveKey(password: Uint8Array, params: KdfParams, path?: string): Promise<Uint8Array> {
  checkKdfParams(params, path)
  if (params.kdf === 'pbkdf2') {
    return asBytes(await pbkdf2Async(password, params.salt, params.c, DERIVED_KEY_BYTES, 'sha256'))
  }
  const { n, r, p } = params
  // maxmem must cover the implementation's own estimate (128·r·(N + p + 2) bytes); the real
  // bound on memory is checkKdfParams's, this only lets it run.
  const maxmem = scryptMemoryBytes(n, r) + 128 * r * (p + 2) + 1024 * 1024
  if (isWithinRfc7914(n, r)) {
    return asBytes(await scryptAsync(password, params.salt, DERIVED_KEY_BYTES, { N: n, r, p, maxmem }))
  }
  return nobleScrypt(password, params.salt, { N: n, r, p, dkLen: DERIVED_KEY_BYTES, maxmem })
}

/**
 * RFC 7914 asks for N < 2^(128·r/8), and OpenSSL refuses other values. golang.org/x/crypto
 * (geth's) does not check it, so files with r = 1 and N ≥ 2^16 exist, the Web3 Secret Storage
 * page's own vector among them; those run in `@noble/hashes` instead, slower but identical.
 */
function isWithinRfc7914(n: number, r: number): boolean {
  return 16 * r >= 53 || n < 2 ** (16 * r)
}
