/**
 * HPKE, Hybrid Public Key Encryption (RFC 9180), in base mode with one suite:
 * DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256 (KDF 0x0001), ChaCha20-Poly1305
 * (AEAD 0x0003). Built on `@noble/curves` (X25519), `@noble/hashes` (HKDF) and
 * `@noble/ciphers` (ChaCha20-Poly1305); checked against RFC 9180's published vectors
 * (Appendix A.2.1, test/fixtures/hpke/).
 *
 * Only the base mode is here: the sender is anonymous to HPKE itself (records on the ledger
 * are authenticated by the transaction's Ed25519 signature instead, docs/records.md). The
 * section numbers in comments are RFC 9180's.
 */
import { randomBytes } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { expand, extract } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ChainError } from '../errors.js'
import { asBytes, concatBytes, utf8 } from '../encoding/bytes.js'

/** X25519 keys and the KEM's encapsulated key (the ephemeral public key) are 32 bytes (§7.1). */
export const HPKE_PUBLIC_KEY_BYTES = 32
export const HPKE_SECRET_KEY_BYTES = 32
export const HPKE_ENC_BYTES = 32
/** ChaCha20-Poly1305: 32-byte key, 12-byte nonce, 16-byte tag (§7.3). */
export const HPKE_KEY_BYTES = 32
export const HPKE_NONCE_BYTES = 12
export const HPKE_TAG_BYTES = 16
/** Nh of HKDF-SHA256, and Nsecret of DHKEM(X25519, HKDF-SHA256). */
const HASH_BYTES = 32

const KEM_ID = 0x0020
const KDF_ID = 0x0001
const AEAD_ID = 0x0003
const MODE_BASE = 0x00

export type HpkeErrorCode =
  /** A key or encapsulated key of the wrong length. */
  | 'HPKE_ERROR_BAD_LENGTH'
  /** A public key of small order (its Diffie-Hellman result is all zero, §7.1.4): refused. */
  | 'HPKE_ERROR_BAD_PUBLIC_KEY'
  /** The AEAD tag does not verify: a wrong key, or a changed ciphertext, aad or enc. */
  | 'HPKE_ERROR_OPEN_FAILED'

export class HpkeError extends ChainError<HpkeErrorCode, { detail: string }> {
  constructor(code: HpkeErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

export interface HpkeKeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

const i2osp = (value: number, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  for (let i = length - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 256)) out[i] = rest % 256
  return out
}

const HPKE_V1 = utf8('HPKE-v1')
const KEM_SUITE = concatBytes(utf8('KEM'), i2osp(KEM_ID, 2))
const HPKE_SUITE = concatBytes(utf8('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2))
const EMPTY = new Uint8Array(0)

/** §4: LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). */
function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return extract(sha256, concatBytes(HPKE_V1, suite, utf8(label), ikm), salt)
}

/** §4: LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L). */
function labeledExpand(suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  return expand(sha256, prk, concatBytes(i2osp(length, 2), HPKE_V1, suite, utf8(label), info), length)
}

function checkLength(bytes: Uint8Array, expected: number, what: string): void {
  if (bytes.length !== expected) throw new HpkeError('HPKE_ERROR_BAD_LENGTH', `${what}: expected ${expected} bytes, got ${bytes.length}`)
}

/** §7.1.3: DeriveKeyPair(ikm) for X25519: the secret key is 32 bytes expanded from ikm. */
export function deriveKeyPair(ikm: Uint8Array): HpkeKeyPair {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm)
  const secretKey = labeledExpand(KEM_SUITE, prk, 'sk', EMPTY, HPKE_SECRET_KEY_BYTES)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

/** A fresh key pair (GenerateKeyPair, as DeriveKeyPair of 32 random bytes). */
export function generateKeyPair(): HpkeKeyPair {
  const ikm = asBytes(randomBytes(HPKE_SECRET_KEY_BYTES))
  try {
    return deriveKeyPair(ikm)
  } finally {
    ikm.fill(0)
  }
}

/** The public key of an X25519 secret key. */
export function publicKeyOfSecret(secretKey: Uint8Array): Uint8Array {
  checkLength(secretKey, HPKE_SECRET_KEY_BYTES, 'secret key')
  return x25519.getPublicKey(secretKey)
}

/** §4.1: DH(sk, pk), refusing the small-order points whose result is all zero. */
function dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkLength(publicKey, HPKE_PUBLIC_KEY_BYTES, 'public key')
  checkLength(secretKey, HPKE_SECRET_KEY_BYTES, 'secret key')
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey)
  } catch {
    throw new HpkeError('HPKE_ERROR_BAD_PUBLIC_KEY', 'public key of small order')
  }
  if (shared.every((byte) => byte === 0)) throw new HpkeError('HPKE_ERROR_BAD_PUBLIC_KEY', 'public key of small order')
  return shared
}

/** §4.1: ExtractAndExpand(dh, kem_context) → shared_secret. */
function extractAndExpand(dhResult: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dhResult)
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, HASH_BYTES)
}

/** What the key schedule derives from a shared secret and info (§5.1); exposed for the vectors. */
export interface KeySchedule {
  readonly sharedSecret: Uint8Array
  readonly key: Uint8Array
  readonly baseNonce: Uint8Array
  readonly exporterSecret: Uint8Array
}

/** §5.1: KeySchedule in base mode (no psk, empty psk_id). */
function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): KeySchedule {
  const pskIdHash = labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY)
  const infoHash = labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info)
  const context = concatBytes(Uint8Array.of(MODE_BASE), pskIdHash, infoHash)
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', EMPTY)
  return {
    sharedSecret,
    key: labeledExpand(HPKE_SUITE, secret, 'key', context, HPKE_KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, HPKE_NONCE_BYTES),
    exporterSecret: labeledExpand(HPKE_SUITE, secret, 'exp', context, HASH_BYTES),
  }
}

/**
 * An encryption context (§5.2): the AEAD key and a sequence number that makes every message's
 * nonce different. Sender and recipient must seal and open in the same order.
 */
export class HpkeContext {
  private sequence = 0

  constructor(readonly schedule: KeySchedule) {}

  /** §5.2: ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn). */
  private nextNonce(): Uint8Array {
    // 2^53 messages would take ages; the RFC's limit (2^96 - 1) is never near.
    const nonce = i2osp(this.sequence++, HPKE_NONCE_BYTES)
    for (let i = 0; i < nonce.length; i++) nonce[i]! ^= this.schedule.baseNonce[i]!
    return nonce
  }

  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return chacha20poly1305(this.schedule.key, this.nextNonce(), aad).encrypt(plaintext)
  }

  /** Throws `HPKE_ERROR_OPEN_FAILED` when the tag does not verify; the sequence then stays put. */
  open(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const sequence = this.sequence
    try {
      return chacha20poly1305(this.schedule.key, this.nextNonce(), aad).decrypt(ciphertext)
    } catch {
      this.sequence = sequence
      throw new HpkeError('HPKE_ERROR_OPEN_FAILED', 'decryption failed: wrong key, or the data was changed')
    }
  }

  /** §5.3: Export(exporter_context, L): a secret both sides derive, bound to this context. */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    return labeledExpand(HPKE_SUITE, this.schedule.exporterSecret, 'sec', exporterContext, length)
  }
}

/**
 * §5.1.1: SetupBaseS(pkR, info): the encapsulated key to send and the sender's context.
 * `ephemeralIkm` fixes the ephemeral key, for the known-answer tests only: a repeated ephemeral
 * key would reuse the AEAD key.
 */
export function setupBaseSender(recipientPublicKey: Uint8Array, info: Uint8Array, ephemeralIkm?: Uint8Array): { enc: Uint8Array; context: HpkeContext } {
  const ephemeral = ephemeralIkm === undefined ? generateKeyPair() : deriveKeyPair(ephemeralIkm)
  try {
    const enc = ephemeral.publicKey
    const shared = extractAndExpand(dh(ephemeral.secretKey, recipientPublicKey), concatBytes(enc, recipientPublicKey))
    return { enc, context: new HpkeContext(keySchedule(shared, info)) }
  } finally {
    ephemeral.secretKey.fill(0)
  }
}

/** §5.1.1: SetupBaseR(enc, skR, info): the recipient's context. */
export function setupBaseRecipient(enc: Uint8Array, recipientSecretKey: Uint8Array, info: Uint8Array): HpkeContext {
  checkLength(enc, HPKE_ENC_BYTES, 'encapsulated key')
  const recipientPublicKey = publicKeyOfSecret(recipientSecretKey)
  const shared = extractAndExpand(dh(recipientSecretKey, enc), concatBytes(enc, recipientPublicKey))
  return new HpkeContext(keySchedule(shared, info))
}

/** §6.1: single-shot Seal in base mode: one message to one recipient. */
export function sealBase(recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { enc: Uint8Array; ciphertext: Uint8Array } {
  const { enc, context } = setupBaseSender(recipientPublicKey, info)
  return { enc, ciphertext: context.seal(aad, plaintext) }
}

/** §6.1: single-shot Open in base mode. Throws `HpkeError`. */
export function openBase(enc: Uint8Array, recipientSecretKey: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return setupBaseRecipient(enc, recipientSecretKey, info).open(aad, ciphertext)
}
