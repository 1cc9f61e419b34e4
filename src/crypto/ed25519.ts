/**
 * Ed25519 (RFC 8032) keys and signatures.
 *
 * Keys are made and messages signed with `@noble/curves` (audited, constant-time). Signatures
 * are verified with `node:crypto` (OpenSSL) through cached `KeyObject`s, about ten times faster
 * than the JavaScript verifier: the node verifies every transaction it hears of.
 *
 * Ed25519 implementations disagree at the edges (see "Taming the many EdDSAs", Chalkias et
 * al. 2020): which encodings of points they accept, whether they reject small-order keys,
 * whether the verification equation is multiplied by the cofactor. A consensus system must
 * not let two nodes disagree about a signature, so `chain` fixes one rule and applies the
 * same pre-checks in front of both verifiers:
 *   - S is canonical (S < L), R and A are canonical point encodings (y < p);
 *   - A is a valid point, not of small order and without a torsion component;
 *   - the cofactorless equation [S]B = R + [k]A holds, which with a torsion-free A forces R
 *     into the prime-order subgroup too (OpenSSL's check; the JavaScript reference below adds
 *     the subgroup check on R to its cofactored equation to match).
 * A differential property test holds both verifiers to exactly the same answers.
 */
import { createPublicKey, verify as opensslVerify, type KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ChainError } from '../errors.js'
import { concatBytes } from '../encoding/bytes.js'

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/** Why a key could not be used. Signatures that fail are `false`, not errors. */
export type KeyErrorCode = 'KEY_ERROR_BAD_LENGTH'

export class KeyError extends ChainError<KeyErrorCode, { what: string; expected: number; actual: number }> {
  constructor(what: string, expected: number, actual: number) {
    super('KEY_ERROR_BAD_LENGTH', { what, expected, actual }, `${what}: expected ${expected} bytes, got ${actual}`)
  }
}

function checkLength(bytes: Uint8Array, expected: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new KeyError(what, expected, 0)
  if (bytes.length !== expected) throw new KeyError(what, expected, bytes.length)
}

export function generateSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey()
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  checkLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  return ed25519.getPublicKey(secretKey)
}

export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  checkLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  return ed25519.sign(message, secretKey)
}

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const GROUP_ORDER = ed25519.Point.CURVE().n
const FIELD_PRIME = ed25519.Point.CURVE().p

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!)
  return value
}

/** A point encoding is canonical when its y coordinate (the low 255 bits) is below p. */
function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  const y = littleEndian(bytes) & ((1n << 255n) - 1n)
  return y < FIELD_PRIME
}

function isCanonicalScalar(bytes: Uint8Array): boolean {
  return littleEndian(bytes) < GROUP_ORDER
}

/** Whether a public key can ever verify anything: canonical, on the curve, prime order. */
function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (!isCanonicalPointEncoding(publicKey)) return false
  try {
    const point = ed25519.Point.fromBytes(publicKey, false)
    return !point.isSmallOrder() && point.isTorsionFree()
  } catch {
    return false
  }
}

function passesPreChecks(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature instanceof Uint8Array &&
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    signature.length === SIGNATURE_BYTES &&
    publicKey.length === PUBLIC_KEY_BYTES &&
    isCanonicalPointEncoding(signature.subarray(0, 32)) &&
    isCanonicalScalar(signature.subarray(32))
  )
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows it. */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/**
 * Parsed keys, or `null` for keys that can never verify. Bounded so that a flood of
 * transactions from fresh keys cannot grow memory; Map order makes eviction oldest-first.
 */
const KEY_CACHE_MAX_ENTRIES = 50_000
const keyCache = new Map<string, KeyObject | null>()

function cachedKey(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('latin1')
  const cached = keyCache.get(id)
  if (cached !== undefined) return cached
  const key = isAcceptablePublicKey(publicKey)
    ? createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' })
    : null
  if (keyCache.size >= KEY_CACHE_MAX_ENTRIES) keyCache.delete(keyCache.keys().next().value!)
  keyCache.set(id, key)
  return key
}

/** Verifies a signature with OpenSSL under the rules above. Never throws for bad input. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!passesPreChecks(signature, message, publicKey)) return false
  const key = cachedKey(publicKey)
  if (key === null) return false
  return opensslVerify(null, message, key, signature)
}

/**
 * The same rules with the JavaScript verifier only: the reference that the differential test
 * holds `verify` to, and the baseline of the benchmarks. Not used on the hot path.
 */
export function verifyReference(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!passesPreChecks(signature, message, publicKey)) return false
  if (!isAcceptablePublicKey(publicKey)) return false
  try {
    if (!ed25519.Point.fromBytes(signature.subarray(0, 32), false).isTorsionFree()) return false
  } catch {
    return false
  }
  return ed25519.verify(signature, message, publicKey, { zip215: false })
}
