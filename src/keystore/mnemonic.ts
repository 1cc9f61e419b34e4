/**
 * Recovery phrases: a BIP39 mnemonic (24 English words) from which the Ed25519 secret key is
 * derived along a fixed SLIP-0010 path, so the words alone rebuild the same identity.
 *
 *   seed   = BIP39 seed of the words, empty passphrase (PBKDF2-HMAC-SHA512, 2048 rounds)
 *   master = HMAC-SHA512(key = "ed25519 seed", seed)                  (SLIP-0010)
 *   child  = HMAC-SHA512(key = chain code, 0x00 ‖ key ‖ ser32(i))     (hardened only)
 *   secret = the 32-byte key at m/44'/1'/0'/0'/0'
 *
 * SLIP-0010 is what hardware wallets and Solana, Stellar or Cardano-era tools use for ed25519;
 * ed25519 supports hardened derivation only, because its secret is a hash seed, not a scalar
 * that could be added to.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { entropyToMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { asBytes, concatBytes, utf8 } from '../encoding/bytes.js'
import { DERIVATION_PATH, MNEMONIC_ENTROPY_BITS } from './constants.js'
import { KeystoreError } from './errors.js'

/** The offset that marks an index as hardened (BIP32: i ≥ 2^31). */
const HARDENED_OFFSET = 0x8000_0000

/** SLIP-0010's HMAC key for the ed25519 master key. */
const ED25519_CURVE_KEY = utf8('ed25519 seed')

/** A key and chain code at one node of the derivation tree. */
export interface ExtendedKey {
  readonly key: Uint8Array
  readonly chainCode: Uint8Array
}

/** A new 24-word phrase from 256 bits of the operating system's randomness. */
export function generateMnemonic(): string {
  const entropy = randomBytes(MNEMONIC_ENTROPY_BITS / 8)
  try {
    return entropyToMnemonic(entropy, wordlist)
  } finally {
    entropy.fill(0)
  }
}

/**
 * Puts a phrase as typed or pasted into the canonical form: lowercase, single spaces, no
 * surrounding blanks (BIP39 itself normalizes to NFKD, which `@scure/bip39` applies).
 */
export function normalizeMnemonic(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).join(' ')
}

/** Throws `KEYSTORE_ERROR_BAD_MNEMONIC` naming the problem unless the phrase is valid BIP39. */
export function checkMnemonic(mnemonic: string): void {
  const words = mnemonic === '' ? [] : mnemonic.split(' ')
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new KeystoreError(
      'KEYSTORE_ERROR_BAD_MNEMONIC',
      { detail: `${words.length} words` },
      `invalid recovery phrase: expected 12, 15, 18, 21 or 24 words, got ${words.length}`,
    )
  }
  const unknown = words.findIndex((word) => !wordlist.includes(word))
  if (unknown !== -1) {
    throw new KeystoreError(
      'KEYSTORE_ERROR_BAD_MNEMONIC',
      { detail: `word ${unknown + 1}` },
      `invalid recovery phrase: word ${unknown + 1} is not in the BIP39 English list`,
    )
  }
  if (!validateMnemonic(mnemonic, wordlist)) {
    throw new KeystoreError(
      'KEYSTORE_ERROR_BAD_MNEMONIC',
      { detail: 'checksum' },
      'invalid recovery phrase: the checksum does not match (a word is wrong or out of order)',
    )
  }
}

/** The Ed25519 secret key of a phrase, at `DERIVATION_PATH`. The caller zeroes it after use. */
export function secretKeyFromMnemonic(mnemonic: string): Uint8Array {
  const normalized = normalizeMnemonic(mnemonic)
  checkMnemonic(normalized)
  const seed = mnemonicToSeedSync(normalized)
  try {
    const { key, chainCode } = deriveSlip10Ed25519(seed, DERIVATION_PATH)
    chainCode.fill(0)
    return key
  } finally {
    seed.fill(0)
  }
}

/** Parses `m/44'/1'/0'` into hardened indices; ed25519 has no other kind. */
export function parsePath(path: string): number[] {
  const parts = path.split('/')
  if (parts[0] !== 'm') throw new TypeError(`derivation path ${path}: expected it to start with m`)
  return parts.slice(1).map((part) => {
    const match = /^(\d{1,10})'$/.exec(part)
    const index = match === null ? NaN : Number(match[1])
    if (!(index < HARDENED_OFFSET)) throw new TypeError(`derivation path ${path}: expected hardened indices like 0', got ${part}`)
    return index + HARDENED_OFFSET
  })
}

/** SLIP-0010 private derivation for ed25519: the key and chain code at `path` below `seed`. */
export function deriveSlip10Ed25519(seed: Uint8Array, path: string): ExtendedKey {
  let node = split(hmacSha512(ED25519_CURVE_KEY, seed))
  for (const index of parsePath(path)) {
    const data = concatBytes(Uint8Array.of(0), node.key, ser32(index))
    const child = split(hmacSha512(node.chainCode, data))
    data.fill(0)
    node.key.fill(0)
    node.chainCode.fill(0)
    node = child
  }
  return node
}

function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  return asBytes(createHmac('sha512', key).update(data).digest())
}

/** I = I_L ‖ I_R: the key is I_L, the chain code I_R. Copies, so each half can be zeroed. */
function split(digest: Uint8Array): { key: Uint8Array; chainCode: Uint8Array } {
  const node = { key: digest.slice(0, 32), chainCode: digest.slice(32) }
  digest.fill(0)
  return node
}

function ser32(index: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, index)
  return out
}
