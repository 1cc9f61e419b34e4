/**
 * The Web3 Secret Storage v3 container (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/),
 * the format of geth's and ethers' keystores, so that files move between tools.
 *
 *   derivedKey = scrypt(password, salt, n, r, p, 32)   (or pbkdf2-hmac-sha256(password, salt, c, 32))
 *   ciphertext = AES-128-CTR(key = derivedKey[0..16], iv, secret key)
 *   mac        = keccak256(derivedKey[16..32] ‖ ciphertext)
 *
 * The MAC is checked (in constant time) before anything is decrypted: a wrong password is
 * reported as such, never as a wrong key. `chain` adds two fields outside the encryption,
 * `participant` (the `ch1…` id) and `publicKey` (hex), so accounts can be listed without a
 * password; they are not covered by the MAC, so whoever decrypts checks them against the key.
 *
 * A third field of ours, `encryptionKeys`, holds the account's X25519 secret keys (records,
 * docs/records.md), oldest first, the last the current one, under the same password:
 *
 *   keysKey    = HKDF-SHA256(derivedKey, info = "chain/keystore-encryption-keys\0", 32)
 *   ciphertext = ChaCha20-Poly1305(keysKey, nonce (random, 12 bytes), aad = participant ‖ publicKey, secret)
 *
 * One scrypt run opens the whole file; the HKDF step keeps this key apart from the v3 AES and
 * MAC keys, and the aad ties each entry to its account and its public key, so an entry moved
 * to another file or next to another public key does not open. geth and ethers ignore the
 * field: files stay readable by them (their account key is all they read).
 *
 * Files from elsewhere are hostile input: size, shape, lengths and kdf parameters are all
 * checked before any work, and every refusal names the field.
 */
import { createCipheriv, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { domainTag } from '../crypto/hash.js'
import { HPKE_NONCE_BYTES, HPKE_PUBLIC_KEY_BYTES, HPKE_SECRET_KEY_BYTES, HPKE_TAG_BYTES, publicKeyOfSecret, type HpkeKeyPair } from '../crypto/hpke.js'
import { asBytes, bytesEqual, concatBytes, fromHex, toHex, utf8 } from '../encoding/bytes.js'
import {
  IV_BYTES,
  MAC_BYTES,
  MAX_ENCRYPTION_KEYS,
  MAX_CIPHERTEXT_BYTES,
  MAX_KEYSTORE_FILE_BYTES,
  MAX_SALT_BYTES,
  SALT_BYTES,
  SCRYPT_LIGHT,
  SCRYPT_STANDARD,
} from './constants.js'
import { KeystoreError } from './errors.js'
import { checkKdfParams, deriveKey, type KdfParams } from './kdf.js'

const CIPHER = 'aes-128-ctr'
const AES_KEY_BYTES = 16
/** The longest text field of a keystore is a salt in hex; anything longer is not a keystore. */
const MAX_STRING_FIELD_CHARS = 2 * MAX_SALT_BYTES
const ENCRYPTION_KEYS_INFO = domainTag('keystore-encryption-keys')

/** One X25519 secret key in a file, encrypted under the password (see the header). */
export interface EncryptedSecret {
  readonly publicKey: string
  readonly nonce: string
  readonly ciphertext: string
}

/** The JSON of a file `chain` writes, field for field (docs/identity.md describes each). */
export interface KeystoreJson {
  readonly version: 3
  /** A random UUID (v4), which v3 requires; it identifies the file, not the account. */
  readonly id: string
  readonly participant: string
  readonly publicKey: string
  /** The account's encryption keys, oldest first; absent when it has none. */
  readonly encryptionKeys?: readonly EncryptedSecret[]
  readonly crypto: {
    readonly cipher: typeof CIPHER
    readonly cipherparams: { readonly iv: string }
    readonly ciphertext: string
    readonly kdf: 'scrypt'
    readonly kdfparams: { readonly dklen: number; readonly n: number; readonly r: number; readonly p: number; readonly salt: string }
    readonly mac: string
  }
}

/** A v3 file after its shape was checked: everything needed to try a password. */
export interface ParsedKeystore {
  readonly uuid: string
  /** `chain`'s own fields; absent in files of other tools. Unverified until decryption. */
  readonly participant: string | undefined
  readonly publicKey: Uint8Array | undefined
  /** `chain`'s encryption keys, oldest first; empty in files of other tools. */
  readonly encryptionKeys: readonly { readonly publicKey: Uint8Array; readonly nonce: Uint8Array; readonly ciphertext: Uint8Array }[]
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
  readonly mac: Uint8Array
  readonly kdf: KdfParams
}

export interface EncryptOptions {
  /** geth's light scrypt parameters (N = 2^12, p = 6) instead of the standard ones. */
  readonly lightKdf?: boolean
}

/**
 * Encrypts a secret key with a password into a v3 file carrying `chain`'s id fields, and the
 * account's encryption secret keys (oldest first) under the same password.
 */
export async function encryptKeystore(
  secretKey: Uint8Array,
  password: string,
  owner: { readonly participant: string; readonly publicKey: Uint8Array },
  options: EncryptOptions = {},
  encryptionKeys: readonly HpkeKeyPair[] = [],
): Promise<KeystoreJson> {
  const cost = options.lightKdf === true ? SCRYPT_LIGHT : SCRYPT_STANDARD
  const salt = asBytes(randomBytes(SALT_BYTES))
  const iv = asBytes(randomBytes(IV_BYTES))
  const passwordBytes = utf8(password)
  const derived = await deriveKey(passwordBytes, { kdf: 'scrypt', ...cost, salt })
  passwordBytes.fill(0)
  try {
    const ciphertext = aes128Ctr(derived, iv, secretKey)
    const sealed = sealEncryptionKeys(derived, owner, encryptionKeys)
    return {
      version: 3,
      id: randomUUID(),
      participant: owner.participant,
      publicKey: toHex(owner.publicKey),
      ...(sealed.length === 0 ? {} : { encryptionKeys: sealed }),
      crypto: {
        cipher: CIPHER,
        cipherparams: { iv: toHex(iv) },
        ciphertext: toHex(ciphertext),
        kdf: 'scrypt',
        kdfparams: { dklen: derived.length, n: cost.n, r: cost.r, p: cost.p, salt: toHex(salt) },
        mac: toHex(macOf(derived, ciphertext)),
      },
    }
  } finally {
    derived.fill(0)
  }
}

/**
 * Decrypts a parsed file: the plaintext key, of the length the file holds (30 to 32 bytes for
 * the published vectors). Throws `wrong password` when the MAC does not match. The caller
 * zeroes the result after use.
 */
export async function decryptKeystore(keystore: ParsedKeystore, password: string, path?: string): Promise<Uint8Array> {
  const opened = await openKeystore(keystore, password, path)
  for (const pair of opened.encryptionKeys) pair.secretKey.fill(0)
  return opened.plaintext
}

/**
 * `decryptKeystore`, and the encryption secret keys of the file, oldest first. Throws
 * `wrong password` when the MAC does not match, `KEYSTORE_ERROR_CORRUPT` when an encryption
 * key does not open or is not the key of its public key. `checkPlaintext` runs on the account
 * key before the encryption keys are opened, so that a wrong account key is reported as such.
 * The caller zeroes every secret.
 */
export async function openKeystore(
  keystore: ParsedKeystore,
  password: string,
  path?: string,
  checkPlaintext: (plaintext: Uint8Array) => void = () => undefined,
): Promise<{ plaintext: Uint8Array; encryptionKeys: HpkeKeyPair[] }> {
  const passwordBytes = utf8(password)
  const derived = await deriveKey(passwordBytes, keystore.kdf, path)
  passwordBytes.fill(0)
  try {
    const expected = macOf(derived, keystore.ciphertext)
    if (!timingSafeEqual(expected, keystore.mac)) throw KeystoreError.wrongPassword(path)
    const plaintext = aes128Ctr(derived, keystore.iv, keystore.ciphertext)
    try {
      checkPlaintext(plaintext)
      return { plaintext, encryptionKeys: openEncryptionKeys(derived, keystore, path) }
    } catch (error) {
      plaintext.fill(0)
      throw error
    }
  } finally {
    derived.fill(0)
  }
}

function encryptionKeysKey(derived: Uint8Array): Uint8Array {
  return hkdf(sha256, derived, undefined, ENCRYPTION_KEYS_INFO, 32)
}

function encryptionKeyAad(participant: string | undefined, publicKey: Uint8Array | undefined, encryptionKey: Uint8Array): Uint8Array {
  return concatBytes(utf8(participant ?? ''), publicKey ?? new Uint8Array(0), encryptionKey)
}

function sealEncryptionKeys(
  derived: Uint8Array,
  owner: { readonly participant: string; readonly publicKey: Uint8Array },
  pairs: readonly HpkeKeyPair[],
): EncryptedSecret[] {
  if (pairs.length === 0) return []
  const key = encryptionKeysKey(derived)
  try {
    return pairs.map((pair) => {
      const nonce = asBytes(randomBytes(HPKE_NONCE_BYTES))
      const aad = encryptionKeyAad(owner.participant, owner.publicKey, pair.publicKey)
      return { publicKey: toHex(pair.publicKey), nonce: toHex(nonce), ciphertext: toHex(chacha20poly1305(key, nonce, aad).encrypt(pair.secretKey)) }
    })
  } finally {
    key.fill(0)
  }
}

function openEncryptionKeys(derived: Uint8Array, keystore: ParsedKeystore, path: string | undefined): HpkeKeyPair[] {
  if (keystore.encryptionKeys.length === 0) return []
  const key = encryptionKeysKey(derived)
  const opened: HpkeKeyPair[] = []
  try {
    keystore.encryptionKeys.forEach((entry, index) => {
      let secretKey: Uint8Array
      try {
        const aad = encryptionKeyAad(keystore.participant, keystore.publicKey, entry.publicKey)
        secretKey = chacha20poly1305(key, entry.nonce, aad).decrypt(entry.ciphertext)
      } catch {
        throw KeystoreError.corrupt(`encryptionKeys[${index}] does not decrypt (the file was edited)`, path)
      }
      if (!bytesEqual(publicKeyOfSecret(secretKey), entry.publicKey)) {
        secretKey.fill(0)
        throw KeystoreError.corrupt(`encryptionKeys[${index}].publicKey does not match its secret key`, path)
      }
      opened.push({ publicKey: entry.publicKey, secretKey })
    })
    return opened
  } catch (error) {
    for (const pair of opened) pair.secretKey.fill(0)
    throw error
  } finally {
    key.fill(0)
  }
}

/** The text `chain` writes: pretty-printed like geth's `--json` output, ending in a newline. */
export function serializeKeystore(json: KeystoreJson): string {
  return `${JSON.stringify(json, null, 2)}\n`
}

function macOf(derived: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return keccak_256(concatBytes(derived.subarray(AES_KEY_BYTES), ciphertext))
}

/** CTR mode is its own inverse: the same call encrypts and decrypts. */
function aes128Ctr(derived: Uint8Array, iv: Uint8Array, input: Uint8Array): Uint8Array {
  const cipher = createCipheriv(CIPHER, derived.subarray(0, AES_KEY_BYTES), iv)
  return asBytes(Buffer.concat([cipher.update(input), cipher.final()]))
}

// --- Parsing ---

/** Parses and checks a v3 file's text, refusing anything malformed with the field named. */
export function parseKeystore(text: string, path?: string): ParsedKeystore {
  if (Buffer.byteLength(text) > MAX_KEYSTORE_FILE_BYTES) {
    throw KeystoreError.corrupt(`larger than ${MAX_KEYSTORE_FILE_BYTES} bytes`, path)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw KeystoreError.corrupt(text.trim() === '' ? 'empty file' : 'not JSON (truncated or not a keystore)', path)
  }
  const fields = new Fields(path)
  const root = fields.object(json, 'the file')
  const version = root.version
  if (version !== 3) throw KeystoreError.incompatible(`version: expected 3, got ${JSON.stringify(version)}`, path)
  // Old Mist files spell it `Crypto`; geth and ethers read both.
  const crypto = fields.object(root.crypto ?? root.Crypto, 'crypto')
  const cipher = fields.string(crypto.cipher, 'crypto.cipher')
  if (cipher !== CIPHER) throw KeystoreError.incompatible(`crypto.cipher: expected ${CIPHER}, got ${JSON.stringify(cipher)}`, path)
  const cipherparams = fields.object(crypto.cipherparams, 'crypto.cipherparams')
  const participant = root.participant === undefined ? undefined : fields.string(root.participant, 'participant')
  const publicKey = root.publicKey === undefined ? undefined : fields.hex(root.publicKey, 'publicKey', 32, 32)
  const parsed: ParsedKeystore = {
    uuid: fields.string(root.id, 'id'),
    participant,
    publicKey,
    encryptionKeys: root.encryptionKeys === undefined ? [] : parseEncryptionKeys(fields, root.encryptionKeys),
    iv: fields.hex(cipherparams.iv, 'crypto.cipherparams.iv', IV_BYTES, IV_BYTES),
    ciphertext: fields.hex(crypto.ciphertext, 'crypto.ciphertext', 1, MAX_CIPHERTEXT_BYTES),
    mac: fields.hex(crypto.mac, 'crypto.mac', MAC_BYTES, MAC_BYTES),
    kdf: parseKdf(fields, crypto.kdf, crypto.kdfparams),
  }
  checkKdfParams(parsed.kdf, path)
  return parsed
}

function parseEncryptionKeys(fields: Fields, value: unknown): ParsedKeystore['encryptionKeys'] {
  if (!Array.isArray(value) || value.length > MAX_ENCRYPTION_KEYS) {
    throw KeystoreError.corrupt(`encryptionKeys: expected an array of at most ${MAX_ENCRYPTION_KEYS}, got ${describe(value)}`, fields.path)
  }
  return value.map((item: unknown, index) => {
    const entry = fields.object(item, `encryptionKeys[${index}]`)
    const bytes = HPKE_SECRET_KEY_BYTES + HPKE_TAG_BYTES
    return {
      publicKey: fields.hex(entry.publicKey, `encryptionKeys[${index}].publicKey`, HPKE_PUBLIC_KEY_BYTES, HPKE_PUBLIC_KEY_BYTES),
      nonce: fields.hex(entry.nonce, `encryptionKeys[${index}].nonce`, HPKE_NONCE_BYTES, HPKE_NONCE_BYTES),
      ciphertext: fields.hex(entry.ciphertext, `encryptionKeys[${index}].ciphertext`, bytes, bytes),
    }
  })
}

function parseKdf(fields: Fields, kdf: unknown, kdfparams: unknown): KdfParams {
  const name = fields.string(kdf, 'crypto.kdf')
  const params = fields.object(kdfparams, 'crypto.kdfparams')
  const dklen = fields.integer(params.dklen, 'kdfparams.dklen')
  // 32 is the only length with a meaning here: 16 bytes of AES key, 16 bytes of MAC key.
  if (dklen !== 32) throw KeystoreError.incompatible(`kdfparams.dklen: expected 32, got ${dklen}`, fields.path)
  const salt = fields.hex(params.salt, 'kdfparams.salt', 1, MAX_SALT_BYTES)
  if (name === 'scrypt') {
    const n = fields.integer(params.n, 'kdfparams.n')
    const r = fields.integer(params.r, 'kdfparams.r')
    const p = fields.integer(params.p, 'kdfparams.p')
    return { kdf: 'scrypt', n, r, p, salt }
  }
  if (name === 'pbkdf2') {
    const prf = fields.string(params.prf, 'kdfparams.prf')
    if (prf !== 'hmac-sha256') {
      throw KeystoreError.incompatible(`kdfparams.prf: expected hmac-sha256, got ${JSON.stringify(prf)}`, fields.path)
    }
    return { kdf: 'pbkdf2', c: fields.integer(params.c, 'kdfparams.c'), salt }
  }
  throw KeystoreError.incompatible(`crypto.kdf: expected scrypt or pbkdf2, got ${JSON.stringify(name)}`, fields.path)
}

/** Readers of JSON fields that throw `KEYSTORE_ERROR_CORRUPT` naming the field and the file. */
class Fields {
  constructor(readonly path: string | undefined) {}

  object(value: unknown, what: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.bad(what, 'an object', value)
    return value as Record<string, unknown>
  }

  string(value: unknown, what: string): string {
    if (typeof value !== 'string' || value.length > MAX_STRING_FIELD_CHARS) throw this.bad(what, 'a string', value)
    return value
  }

  integer(value: unknown, what: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw this.bad(what, 'an integer', value)
    return value
  }

  hex(value: unknown, what: string, minBytes: number, maxBytes: number): Uint8Array {
    const expected = minBytes === maxBytes ? `${minBytes} bytes of hex` : `${minBytes} to ${maxBytes} bytes of hex`
    const bytes = typeof value === 'string' ? fromHex(value) : undefined
    if (bytes === undefined || bytes.length < minBytes || bytes.length > maxBytes) throw this.bad(what, expected, value)
    return bytes
  }

  private bad(what: string, expected: string, value: unknown): KeystoreError {
    return KeystoreError.corrupt(`${what}: expected ${expected}, got ${describe(value)}`, this.path)
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') {
    const bytes = fromHex(value)
    return bytes === undefined ? `a string of ${value.length} characters` : `${bytes.length} bytes`
  }
  if (typeof value === 'number') return `the number ${value}`
  return typeof value
}
