/**
 * Ed25519 (RFC 8032) keys and signatures.
 *
 * Keys are made and messages signed with `@noble/curves` (audited, constant-time). Signatures
 * are verified with libsodium (`sodium-native`, prebuilt for each platform), about twice as fast
 * as OpenSSL through `node:crypto` and twenty times the JavaScript verifier (`npm run bench --
 * crypto`): the node
 * verifies every transaction it hears of. libsodium takes the raw key; OpenSSL needed a
 * `KeyObject` parsed from DER for each key, which cost about as much as a verification and
 * had to be cached (docs/architecture.md, "Signatures on every core").
 *
 * Ed25519 implementations disagree at the edges (see "Taming the many EdDSAs", Chalkias et
 * al. 2020): which encodings of points they accept, whether they reject small-order keys,
 * whether the verification equation is multiplied by the cofactor. A consensus system must
 * not let two nodes disagree about a signature, so `chain` fixes one rule (libsodium's) and
 * applies the same pre-checks in front of both verifiers:
 *   - S is canonical (S < L), R and A are canonical point encodings (y < p);
 *   - neither A nor R is one of the eight points of small order (checked by the y coordinate,
 *     which costs nothing: -P has the same y as P and is small-order exactly when P is);
 *   - the cofactorless equation [S]B = R + [k]A holds, k = SHA-512(R ‖ A ‖ M) mod L.
 * libsodium computes exactly that equation (its own checks, the same as these, come first); the
 * JavaScript reference computes it with noble's
 * point arithmetic (noble's own `verify` multiplies by the cofactor, which accepts more).
 * A differential property test holds both verifiers to exactly the same answers.
 */
import { createPrivateKey, sign as opensslSign } from 'node:crypto'
import { crypto_sign_verify_detached } from 'sodium-native'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { ChainError } from '../errors.js'
import { concatBytes } from '../encoding/bytes.js'

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/** One Ed25519 signature to check: `signature` by `publicKey` over `message`. */
export interface SignedMessage {
  readonly signature: Uint8Array
  readonly message: Uint8Array
  readonly publicKey: Uint8Array
}

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

/** `value` as 32 little-endian bytes, as encodings hold numbers. */
function littleEndianBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn)
  return bytes
}

const FIELD_PRIME_BYTES = littleEndianBytes(FIELD_PRIME)
const GROUP_ORDER_BYTES = littleEndianBytes(GROUP_ORDER)

/** Byte 31's mask for a point encoding's y coordinate (its top bit is the sign of x). */
const Y_MASK = 0x7f

/**
 * Whether the 32-byte little-endian number at `offset` of `bytes` (its top byte masked with
 * `topMask`) is below `bound`, compared byte by byte from the top: the pre-checks run before
 * every verification, and as BigInts (five numbers of 32 bytes each) they cost ~9 µs of it.
 */
function isBelow(bytes: Uint8Array, offset: number, bound: Uint8Array, topMask: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const byte = i === 31 ? bytes[offset + i]! & topMask : bytes[offset + i]!
    if (byte !== bound[i]) return byte < bound[i]!
  }
  return false
}

/** A point encoding is canonical when its y coordinate (the low 255 bits) is below p. */
function isCanonicalPointEncoding(bytes: Uint8Array, offset: number): boolean {
  return isBelow(bytes, offset, FIELD_PRIME_BYTES, Y_MASK)
}

function isCanonicalScalar(bytes: Uint8Array, offset: number): boolean {
  return isBelow(bytes, offset, GROUP_ORDER_BYTES, 0xff)
}

/**
 * The y coordinates of the eight points of small order (the torsion subgroup), from a point
 * of order 8: every multiple of it, each once, as 32 little-endian bytes. A key among them
 * verifies forged signatures; an R among them is refused too, as libsodium does.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = (() => {
  const order8 = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', false)
  const ys = new Set<bigint>()
  for (let k = 1n; k <= 8n; k++) ys.add(order8.multiplyUnsafe(k).toAffine().y)
  return [...ys].map(littleEndianBytes)
})()

/** Whether the point encoded at `offset` of `bytes` has the y coordinate of a small-order point. */
function hasSmallOrderY(bytes: Uint8Array, offset: number): boolean {
  return SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 32; i++) {
      const byte = i === 31 ? bytes[offset + i]! & Y_MASK : bytes[offset + i]!
      if (byte !== y[i]) return false
    }
    return true
  })
}

function passesPreChecks(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature instanceof Uint8Array &&
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    signature.length === SIGNATURE_BYTES &&
    publicKey.length === PUBLIC_KEY_BYTES &&
    isCanonicalPointEncoding(signature, 0) &&
    isCanonicalScalar(signature, 32) &&
    isCanonicalPointEncoding(publicKey, 0) &&
    !hasSmallOrderY(publicKey, 0) &&
    !hasSmallOrderY(signature, 0)
  )
}

/** DER header of a PKCS#8 Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

/**
 * A signing function for one key that signs many messages (a proof-of-authority signer seals
 * every block): OpenSSL with the key expanded once, about twenty times faster than `sign`,
 * which expands the key (a scalar multiplication) on every call. Ed25519 signatures are
 * deterministic (RFC 8032), so both give the same bytes; a test holds them to it.
 */
export function keySigner(secretKey: Uint8Array): (message: Uint8Array) => Uint8Array {
  checkLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  const der = Buffer.from(concatBytes(PKCS8_PREFIX, secretKey))
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  der.fill(0)
  return (message) => new Uint8Array(opensslSign(null, message, key))
}

/** Verifies a signature with libsodium under the rules above. Never throws for bad input. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!passesPreChecks(signature, message, publicKey)) return false
  return crypto_sign_verify_detached(signature, message, publicKey)
}

/**
 * The same rules with the JavaScript verifier only: the reference that the differential test
 * holds `verify` to, and the baseline of the benchmarks. Not used on the hot path.
 */
export function verifyReference(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!passesPreChecks(signature, message, publicKey)) return false
  const { Point } = ed25519
  let A, R
  try {
    A = Point.fromBytes(publicKey, false)
    R = Point.fromBytes(signature.subarray(0, 32), false)
  } catch {
    return false
  }
  const k = littleEndian(sha512(concatBytes(signature.subarray(0, 32), publicKey, message))) % GROUP_ORDER
  const S = littleEndian(signature.subarray(32))
  return Point.BASE.multiplyUnsafe(S).equals(R.add(A.multiplyUnsafe(k)))
}
