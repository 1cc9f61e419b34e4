/**
 * Transactions: the three kinds, their canonical encoding, hashing, signing and the stateless
 * checks that need nothing but the transaction and the network it is for.
 *
 * Encoding (CBOR array, see docs/data-formats.md):
 *   [kind, publicKey, nonce, gasLimit, payload, signature]
 * where `payload` depends on the kind:
 *   participant (0):     [name | null]
 *   contract-deploy (1): [code, args]
 *   contract-call (2):   [contract, method, args]
 *
 * The sender is named by its public key (Ed25519 keys cannot be recovered from a signature,
 * unlike Ethereum's ECDSA); its participant id is the hash of that key. The signature covers
 * the network id, so a transaction signed for one network is void on every other (the replay
 * protection of EIP-155), and the sender's nonce, so it is void once included (see the state).
 */
import { ChainError } from '../errors.js'
import { decode, encode, EncodingError, type CborValue } from '../encoding/cbor.js'
import { readArray, readBytes, readOptional, readText, readUint } from '../encoding/shape.js'
import { domainTag, sha256 } from '../crypto/hash.js'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify, publicKeyOf } from '../crypto/ed25519.js'
import { ADDRESS_BYTES, participantIdOf } from '../crypto/identity.js'
import {
  MAX_ARGS_BYTES,
  MAX_CODE_BYTES,
  MAX_GAS,
  MAX_METHOD_BYTES,
  MAX_NAME_BYTES,
  MAX_TX_BYTES,
  TX_BASE_GAS,
  TX_GAS_PER_PAYLOAD_BYTE,
} from './constants.js'

export type TxKind = 'participant' | 'contract-deploy' | 'contract-call'

const KIND_CODES: Record<TxKind, number> = { participant: 0, 'contract-deploy': 1, 'contract-call': 2 }
const KINDS_BY_CODE: readonly TxKind[] = ['participant', 'contract-deploy', 'contract-call']

interface TxCommon {
  /** The sender's Ed25519 public key; the sender's id is `participantIdOf(publicKey)`. */
  readonly publicKey: Uint8Array
  /** The sender's transaction count before this one: 0 for its first (its registration). */
  readonly nonce: number
  /** Most gas this transaction may use, intrinsic gas included. */
  readonly gasLimit: number
}

export interface ParticipantPayload {
  readonly kind: 'participant'
  /** Display name; not unique, never used to identify anyone. */
  readonly name: string | null
}

export interface DeployPayload {
  readonly kind: 'contract-deploy'
  /** The contract's JavaScript module source. */
  readonly code: string
  /** JSON array text: the arguments of the contract's `init`. */
  readonly args: string
}

export interface CallPayload {
  readonly kind: 'contract-call'
  /** Address (20 bytes) of the contract to call. */
  readonly contract: Uint8Array
  readonly method: string
  /** JSON array text: the method's arguments. */
  readonly args: string
}

export type TxPayload = ParticipantPayload | DeployPayload | CallPayload
export type UnsignedTransaction = TxCommon & TxPayload
export type Transaction = UnsignedTransaction & { readonly signature: Uint8Array }

/** Why a transaction was refused without looking at any state. */
export type TxErrorCode =
  | 'TX_ERROR_MALFORMED' // not a canonical encoding of a transaction (see data.detail)
  | 'TX_ERROR_UNKNOWN_KIND' // a kind number this version does not know
  | 'TX_ERROR_TOO_LARGE' // the encoded transaction is over MAX_TX_BYTES
  | 'TX_ERROR_BAD_METHOD' // a method name that is not a plain identifier
  | 'TX_ERROR_BAD_NAME' // a participant name with control characters or surrounding space
  | 'TX_ERROR_BAD_ARGS' // arguments that are not a JSON array
  | 'TX_ERROR_GAS_LIMIT_TOO_LOW' // below the intrinsic gas of the transaction
  | 'TX_ERROR_GAS_LIMIT_TOO_HIGH' // above the block gas limit (it could never be included)
  | 'TX_ERROR_BAD_SIGNATURE' // the signature does not verify for this network

export class TxError extends ChainError<TxErrorCode, { detail: string }> {
  constructor(code: TxErrorCode, detail: string) {
    super(code, { detail }, `invalid transaction: ${detail}`)
  }
}

function payloadFields(tx: TxPayload): (string | Uint8Array | null)[] {
  switch (tx.kind) {
    case 'participant':
      return [tx.name]
    case 'contract-deploy':
      return [tx.code, tx.args]
    case 'contract-call':
      return [tx.contract, tx.method, tx.args]
  }
}

function unsignedFields(tx: UnsignedTransaction): CborValue[] {
  return [KIND_CODES[tx.kind], tx.publicKey, tx.nonce, tx.gasLimit, payloadFields(tx)]
}

export function encodeTransaction(tx: Transaction): Uint8Array {
  return encode([...unsignedFields(tx), tx.signature])
}

/** The transaction id: SHA-256 of its encoding (signature included). */
export function transactionHash(encoded: Uint8Array): Uint8Array {
  return sha256(encoded)
}

const SIGNING_TAG = domainTag('tx')

/** The 32 bytes the sender signs: the network id and everything but the signature. */
export function signingHash(tx: UnsignedTransaction, networkId: Uint8Array): Uint8Array {
  return sha256(SIGNING_TAG, networkId, encode(unsignedFields(tx)))
}

export function signTransaction(tx: UnsignedTransaction, secretKey: Uint8Array, networkId: Uint8Array): Transaction {
  const publicKey = publicKeyOf(secretKey)
  const unsigned = { ...tx, publicKey }
  return { ...unsigned, signature: sign(secretKey, signingHash(unsigned, networkId)) }
}

export function senderOf(tx: TxCommon): Uint8Array {
  return participantIdOf(tx.publicKey)
}

/** Gas charged before execution: a base for the signature plus a price per payload byte. */
export function intrinsicGas(tx: TxPayload): number {
  let bytes = 0
  for (const field of payloadFields(tx)) {
    if (typeof field === 'string') bytes += Buffer.byteLength(field)
    else if (field instanceof Uint8Array) bytes += field.length
  }
  return TX_BASE_GAS + TX_GAS_PER_PAYLOAD_BYTE * bytes
}

const METHOD_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/
/** Printable, no control or bidirectional-override characters that could fool a terminal. */
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}\s](?:[^\p{Cc}\p{Cf}]*[^\p{Cc}\p{Cf}\s])?$/u

/** Whether `name` may be shown as a participant's name (the genesis file follows the same rule). */
export function isValidParticipantName(name: string): boolean {
  return NAME_PATTERN.test(name)
}

function readPayload(kind: TxKind, value: unknown): TxPayload {
  switch (kind) {
    case 'participant': {
      const [name] = readArray(value, 'participant payload', 1)
      return { kind, name: readOptional(name, (v) => readText(v, 'name', MAX_NAME_BYTES)) }
    }
    case 'contract-deploy': {
      const [code, args] = readArray(value, 'deploy payload', 2)
      return { kind, code: readText(code, 'code', MAX_CODE_BYTES), args: readText(args, 'args', MAX_ARGS_BYTES) }
    }
    case 'contract-call': {
      const [contract, method, args] = readArray(value, 'call payload', 3)
      return {
        kind,
        contract: readBytes(contract, 'contract', ADDRESS_BYTES),
        method: readText(method, 'method', MAX_METHOD_BYTES),
        args: readText(args, 'args', MAX_ARGS_BYTES),
      }
    }
  }
}

/**
 * Decodes a transaction strictly: canonical CBOR, exact shape, every length bounded.
 * Does not verify the signature (see `validateTransaction`).
 */
export function decodeTransaction(bytes: Uint8Array): Transaction {
  if (bytes.length > MAX_TX_BYTES) throw new TxError('TX_ERROR_TOO_LARGE', `${bytes.length} bytes, limit ${MAX_TX_BYTES}`)
  try {
    const [kindCode, publicKey, nonce, gasLimit, payload, signature] = readArray(
      decode(bytes, 'transaction', MAX_TX_BYTES),
      'transaction',
      6,
    )
    const kind = KINDS_BY_CODE[readUint(kindCode, 'kind', 255)]
    if (kind === undefined) throw new TxError('TX_ERROR_UNKNOWN_KIND', `unknown kind ${String(kindCode)}`)
    return {
      publicKey: readBytes(publicKey, 'publicKey', PUBLIC_KEY_BYTES),
      nonce: readUint(nonce, 'nonce'),
      gasLimit: readUint(gasLimit, 'gasLimit', MAX_GAS),
      ...readPayload(kind, payload),
      signature: readBytes(signature, 'signature', SIGNATURE_BYTES),
    }
  } catch (error) {
    if (error instanceof EncodingError) throw new TxError('TX_ERROR_MALFORMED', error.message)
    throw error
  }
}

function checkJsonArray(args: string): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(args)
  } catch {
    throw new TxError('TX_ERROR_BAD_ARGS', 'args are not valid JSON')
  }
  if (!Array.isArray(parsed)) throw new TxError('TX_ERROR_BAD_ARGS', 'args must be a JSON array')
}

/**
 * Every check that needs no state: well-formed fields, enough gas for its own bytes, not more
 * than a block can hold, and a valid signature for `networkId`. Throws `TxError`.
 */
export function validateTransaction(tx: Transaction, networkId: Uint8Array, blockGasLimit: number): void {
  switch (tx.kind) {
    case 'participant':
      if (tx.name !== null && !isValidParticipantName(tx.name)) {
        throw new TxError('TX_ERROR_BAD_NAME', 'name must be printable without leading or trailing space')
      }
      break
    case 'contract-deploy':
      checkJsonArray(tx.args)
      break
    case 'contract-call':
      if (!METHOD_PATTERN.test(tx.method)) throw new TxError('TX_ERROR_BAD_METHOD', `method ${JSON.stringify(tx.method)}`)
      checkJsonArray(tx.args)
      break
  }
  const minimum = intrinsicGas(tx)
  if (tx.gasLimit < minimum) throw new TxError('TX_ERROR_GAS_LIMIT_TOO_LOW', `gas limit ${tx.gasLimit} below ${minimum}`)
  if (tx.gasLimit > blockGasLimit) {
    throw new TxError('TX_ERROR_GAS_LIMIT_TOO_HIGH', `gas limit ${tx.gasLimit} above the block gas limit ${blockGasLimit}`)
  }
  if (!verify(tx.signature, signingHash(tx, networkId), tx.publicKey)) {
    throw new TxError('TX_ERROR_BAD_SIGNATURE', 'signature does not verify')
  }
}
