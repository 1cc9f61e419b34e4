/**
 * Participant ids and contract addresses: 20 bytes each, derived by hashing, so nobody can
 * choose them and nobody needs a registry to trust them.
 *
 * A participant id is self-certifying: it is the hash of its owner's public key, so anyone
 * holding the key can prove the id is theirs, and nobody else can. A contract address is the
 * hash of its deployer's id and the deploy transaction's nonce, so it is known before the
 * deploy is mined and never repeats (the nonce of a sender never repeats).
 *
 * The text form is Bech32m (BIP 350): a human-readable prefix (`ch` for participants, `ct`
 * for contracts), then the bytes with a checksum that detects any error of up to four
 * characters, so a mistyped id is refused instead of sending to nobody.
 */
import { bech32m } from '@scure/base'
import { BoundedCache } from '../cache/bounded-cache.js'
import { ChainError } from '../errors.js'
import { bytesKey, keyBytes, uint64BE } from '../encoding/bytes.js'
import { domainTag, sha256 } from './hash.js'
import { PUBLIC_KEY_BYTES } from './ed25519.js'

export const ADDRESS_BYTES = 20

export const PARTICIPANT_PREFIX = 'ch'
export const CONTRACT_PREFIX = 'ct'
type AddressPrefix = typeof PARTICIPANT_PREFIX | typeof CONTRACT_PREFIX

export type AddressErrorCode =
  | 'ADDRESS_ERROR_MALFORMED' // not Bech32m, or the checksum does not match (a typo)
  | 'ADDRESS_ERROR_WRONG_PREFIX' // a valid address of the other kind
  | 'ADDRESS_ERROR_BAD_LENGTH' // bytes that are not 20 long

export class AddressError extends ChainError<AddressErrorCode, { text: string; detail: string }> {
  constructor(code: AddressErrorCode, text: string, detail: string) {
    // The input is kept only in part: it comes from users and peers and may be huge.
    const shown = text.slice(0, 100)
    super(code, { text: shown, detail }, `invalid ${detail}: ${JSON.stringify(shown)}`)
  }
}

const PARTICIPANT_ID_TAG = domainTag('participant-id')
const CONTRACT_ADDRESS_TAG = domainTag('contract-address')

export function participantIdOf(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new AddressError('ADDRESS_ERROR_BAD_LENGTH', '', `public key of ${publicKey.length} bytes`)
  }
  return sha256(PARTICIPANT_ID_TAG, publicKey).subarray(0, ADDRESS_BYTES)
}

export function contractAddressOf(deployer: Uint8Array, nonce: number): Uint8Array {
  return sha256(CONTRACT_ADDRESS_TAG, deployer, uint64BE(nonce)).subarray(0, ADDRESS_BYTES)
}

/**
 * Addresses formatted and parsed lately, each way: a block names the same contracts and senders
 * again and again (its executor formats both for every call, and parses every event's
 * contract), and Bech32m's checksum costs a few microseconds and a dozen arrays each time. Keyed
 * by the prefix and the bytes' `bytesKey`, or the prefix and the text; only valid addresses are
 * kept. 1 MiB each way holds ~4,000 addresses.
 */
const ADDRESS_CACHE_BYTES = 1024 * 1024
const formatted = new BoundedCache<string>(ADDRESS_CACHE_BYTES, (text) => text.length)
const parsed = new BoundedCache<string>(ADDRESS_CACHE_BYTES, (key) => key.length)

function format(prefix: AddressPrefix, bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES) {
    throw new AddressError('ADDRESS_ERROR_BAD_LENGTH', '', `address of ${bytes.length} bytes`)
  }
  const key = prefix + bytesKey(bytes)
  let text = formatted.get(key)
  if (text === undefined) {
    text = bech32m.encode(prefix, bech32m.toWords(bytes))
    formatted.set(key, text)
  }
  return text
}

function parse(prefix: AddressPrefix, text: string, kind: string): Uint8Array {
  if (typeof text !== 'string') throw new AddressError('ADDRESS_ERROR_MALFORMED', String(text), kind)
  const key = prefix + text
  const known = parsed.get(key)
  if (known !== undefined) return keyBytes(known)
  const bytes = decodeAddress(prefix, text, kind)
  parsed.set(key, bytesKey(bytes))
  return bytes
}

function decodeAddress(prefix: AddressPrefix, text: string, kind: string): Uint8Array {
  let decoded: { prefix: string; words: number[] }
  try {
    decoded = bech32m.decode(text as `${string}1${string}`, 90)
  } catch {
    throw new AddressError('ADDRESS_ERROR_MALFORMED', text, `${kind} (bad characters or checksum)`)
  }
  if (decoded.prefix !== prefix) {
    throw new AddressError('ADDRESS_ERROR_WRONG_PREFIX', text, `${kind} (it should start with ${prefix}1)`)
  }
  let bytes: Uint8Array
  try {
    bytes = bech32m.fromWords(decoded.words)
  } catch {
    throw new AddressError('ADDRESS_ERROR_MALFORMED', text, `${kind} (bad padding)`)
  }
  if (bytes.length !== ADDRESS_BYTES) throw new AddressError('ADDRESS_ERROR_BAD_LENGTH', text, kind)
  return bytes
}

export const formatParticipantId = (id: Uint8Array): string => format(PARTICIPANT_PREFIX, id)
export const formatContractAddress = (address: Uint8Array): string => format(CONTRACT_PREFIX, address)
export const parseParticipantId = (text: string): Uint8Array => parse(PARTICIPANT_PREFIX, text, 'participant id')
export const parseContractAddress = (text: string): Uint8Array => parse(CONTRACT_PREFIX, text, 'contract address')
