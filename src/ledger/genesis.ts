/**
 * The genesis file: the network's name, its rules, its consensus and its first participants,
 * and the first block built from them (docs/genesis.md).
 *
 * The genesis block's `parentHash` is the hash of the whole configuration, so the genesis block
 * hash commits to every rule of the network. That hash is the network id: it namespaces the
 * gossip topics and protocols and is signed into every transaction, so nodes with different
 * rules never mix, even if they share a name.
 */
import { ChainError } from '../errors.js'
import { encode, type CborValue } from '../encoding/cbor.js'
import { fromHex, toHex } from '../encoding/bytes.js'
import { domainTag, sha256 } from '../crypto/hash.js'
import { PUBLIC_KEY_BYTES } from '../crypto/ed25519.js'
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { BLOCK_VERSION, type BlockHeader, type ChainParams } from './block.js'
import { MAX_BLOCK_BYTES_CEILING, MAX_GAS, MAX_NAME_BYTES, MAX_SIGNERS, MAX_TX_BYTES } from './constants.js'
import { EMPTY_MERKLE_ROOT } from './merkle.js'
import { isValidParticipantName } from './transaction.js'

export interface ProofOfWorkConfig {
  readonly type: 'pow'
  /** Difficulty of block 1: the expected number of hashes to find its seal. */
  readonly initialDifficulty: bigint
  /** Retargeting never goes below this, so a stalled network cannot be flooded with free blocks. */
  readonly minimumDifficulty: bigint
}

export interface ProofOfAuthorityConfig {
  readonly type: 'poa'
  /** Ed25519 public keys of the first signers, sorted by their bytes (the order of turns). */
  readonly signers: readonly Uint8Array[]
  /** Every `epoch` blocks a checkpoint header lists the signers and pending votes are cleared. */
  readonly epoch: number
}

export type ConsensusConfig = ProofOfWorkConfig | ProofOfAuthorityConfig

export interface GenesisParticipant {
  readonly publicKey: Uint8Array
  readonly name: string | null
}

export interface GenesisConfig {
  readonly network: string
  /** Milliseconds since the Unix epoch: the genesis block's timestamp. */
  readonly timestamp: number
  readonly params: ChainParams
  readonly consensus: ConsensusConfig
  readonly participants: readonly GenesisParticipant[]
}

export type GenesisErrorCode =
  | 'GENESIS_ERROR_NOT_JSON' // the file is not JSON
  | 'GENESIS_ERROR_BAD_FIELD' // a field is missing, of the wrong type or out of range
  | 'GENESIS_ERROR_UNKNOWN_FIELD' // a field this version does not know (a typo would be ignored otherwise)

export class GenesisError extends ChainError<GenesisErrorCode, { field: string; detail: string }> {
  constructor(code: GenesisErrorCode, field: string, detail: string) {
    super(code, { field, detail }, `invalid genesis: ${field ? `${field}: ` : ''}${detail}`)
  }
}

/**
 * Smallest block a network may set: one largest transaction plus an ordinary header must fit
 * (576 bytes, the header bound before proof-of-authority checkpoints, whose signer lists made
 * headers larger: genesis files valid before stay valid).
 */
const MIN_BLOCK_BYTES = MAX_TX_BYTES + 576
const MIN_TARGET_BLOCK_TIME_MS = 100
const MAX_TARGET_BLOCK_TIME_MS = 3_600_000
const MAX_GENESIS_PARTICIPANTS = 10_000
const NETWORK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/
/**
 * Checkpoint interval when a proof-of-authority genesis names none: a checkpoint bounds how
 * far back a restarted node reads headers to rebuild the signer set, and how long a stale vote
 * lingers. Clique uses 30,000 blocks of 15 s; ours are faster, so fewer.
 */
export const DEFAULT_EPOCH_BLOCKS = 1_000
const MAX_EPOCH_BLOCKS = 1_000_000

type Json = Record<string, unknown>

function object(value: unknown, field: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', field, 'expected an object')
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new GenesisError('GENESIS_ERROR_UNKNOWN_FIELD', field ? `${field}.${key}` : key, 'unknown field')
  }
  return value as Json
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', field, `expected an integer from ${min} to ${max}`)
  }
  return value
}

/** Difficulties are big numbers: JSON numbers or decimal strings. */
function difficulty(value: unknown, field: string): bigint {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,19}$/.test(text) || BigInt(text) >= 1n << 64n) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', field, 'expected a positive integer below 2^64 (number or decimal string)')
  }
  return BigInt(text)
}

/** Compares keys as unsigned bytes: the order of signers' turns. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

function parseProofOfAuthority(value: unknown): ProofOfAuthorityConfig {
  const json = object(value, 'consensus', ['type', 'signers', 'epoch'])
  if (!Array.isArray(json.signers) || json.signers.length < 1 || json.signers.length > MAX_SIGNERS) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', 'consensus.signers', `expected an array of 1 to ${MAX_SIGNERS} public keys`)
  }
  const seen = new Set<string>()
  const signers = json.signers.map((entry: unknown, index) => {
    const key = typeof entry === 'string' ? fromHex(entry) : undefined
    if (key?.length !== PUBLIC_KEY_BYTES) {
      throw new GenesisError('GENESIS_ERROR_BAD_FIELD', `consensus.signers[${index}]`, `expected ${PUBLIC_KEY_BYTES} bytes of hex`)
    }
    if (seen.has(toHex(key))) throw new GenesisError('GENESIS_ERROR_BAD_FIELD', `consensus.signers[${index}]`, 'listed twice')
    seen.add(toHex(key))
    return key
  })
  const epoch = json.epoch === undefined ? DEFAULT_EPOCH_BLOCKS : integer(json.epoch, 'consensus.epoch', 2, MAX_EPOCH_BLOCKS)
  return { type: 'poa', signers: signers.sort(compareKeys), epoch }
}

function parseConsensus(value: unknown): ConsensusConfig {
  if (typeof value === 'object' && value !== null && (value as Json).type === 'poa') return parseProofOfAuthority(value)
  const json = object(value, 'consensus', ['type', 'initialDifficulty', 'minimumDifficulty'])
  if (json.type !== 'pow') throw new GenesisError('GENESIS_ERROR_BAD_FIELD', 'consensus.type', 'expected "pow" or "poa"')
  const initialDifficulty = difficulty(json.initialDifficulty, 'consensus.initialDifficulty')
  const minimumDifficulty = difficulty(json.minimumDifficulty, 'consensus.minimumDifficulty')
  if (minimumDifficulty > initialDifficulty) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', 'consensus.minimumDifficulty', 'must not exceed initialDifficulty')
  }
  return { type: 'pow', initialDifficulty, minimumDifficulty }
}

function parseParticipants(value: unknown): GenesisParticipant[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > MAX_GENESIS_PARTICIPANTS) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', 'participants', `expected an array of at most ${MAX_GENESIS_PARTICIPANTS}`)
  }
  const seen = new Set<string>()
  return value.map((entry, index) => {
    const field = `participants[${index}]`
    const json = object(entry, field, ['publicKey', 'name'])
    const publicKey = typeof json.publicKey === 'string' ? fromHex(json.publicKey) : undefined
    if (publicKey?.length !== PUBLIC_KEY_BYTES) {
      throw new GenesisError('GENESIS_ERROR_BAD_FIELD', `${field}.publicKey`, `expected ${PUBLIC_KEY_BYTES} bytes of hex`)
    }
    // Compared as bytes: the same key in upper case or with `0x` is still the same participant.
    const key = toHex(publicKey)
    if (seen.has(key)) throw new GenesisError('GENESIS_ERROR_BAD_FIELD', `${field}.publicKey`, 'listed twice')
    seen.add(key)
    const name = json.name ?? null
    // The rule of participant transactions, so a genesis name cannot carry what they refuse.
    if (name !== null && (typeof name !== 'string' || Buffer.byteLength(name) > MAX_NAME_BYTES || !isValidParticipantName(name))) {
      throw new GenesisError(
        'GENESIS_ERROR_BAD_FIELD',
        `${field}.name`,
        `expected printable text of 1 to ${MAX_NAME_BYTES} bytes without leading or trailing space`,
      )
    }
    return { publicKey, name }
  })
}

/** Reads a genesis file's text. Throws `GenesisError` naming the first problem. */
export function parseGenesis(text: string): GenesisConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new GenesisError('GENESIS_ERROR_NOT_JSON', '', error instanceof Error ? error.message : 'not JSON')
  }
  const json = object(raw, '', ['network', 'timestamp', 'params', 'consensus', 'participants'])
  if (typeof json.network !== 'string' || !NETWORK_NAME_PATTERN.test(json.network)) {
    throw new GenesisError('GENESIS_ERROR_BAD_FIELD', 'network', 'expected 1 to 32 of a-z, 0-9 and -, starting with a letter or digit')
  }
  const params = object(json.params, 'params', ['maxBlockBytes', 'blockGasLimit', 'targetBlockTimeMs'])
  return {
    network: json.network,
    timestamp: integer(json.timestamp, 'timestamp', 0, Number.MAX_SAFE_INTEGER),
    params: {
      maxBlockBytes: integer(params.maxBlockBytes, 'params.maxBlockBytes', MIN_BLOCK_BYTES, MAX_BLOCK_BYTES_CEILING),
      blockGasLimit: integer(params.blockGasLimit, 'params.blockGasLimit', 100_000, MAX_GAS),
      targetBlockTimeMs: integer(params.targetBlockTimeMs, 'params.targetBlockTimeMs', MIN_TARGET_BLOCK_TIME_MS, MAX_TARGET_BLOCK_TIME_MS),
    },
    consensus: parseConsensus(json.consensus),
    participants: parseParticipants(json.participants),
  }
}

/** The configuration as JSON again (the inverse of `parseGenesis`), for `chain genesis` and tests. */
export function genesisToJson(config: GenesisConfig): object {
  return {
    network: config.network,
    timestamp: config.timestamp,
    params: { ...config.params },
    consensus: consensusToJson(config.consensus),
    participants: config.participants.map((p) => ({
      publicKey: Buffer.from(p.publicKey).toString('hex'),
      ...(p.name === null ? {} : { name: p.name }),
    })),
  }
}

function consensusToJson(consensus: ConsensusConfig): object {
  switch (consensus.type) {
    case 'pow':
      return { type: 'pow', initialDifficulty: consensus.initialDifficulty.toString(), minimumDifficulty: consensus.minimumDifficulty.toString() }
    case 'poa':
      return { type: 'poa', signers: consensus.signers.map(toHex), epoch: consensus.epoch }
  }
}

/** The consensus part of the configuration hash; proof-of-work's is what it always was. */
function consensusFields(consensus: ConsensusConfig): CborValue[] {
  switch (consensus.type) {
    case 'pow':
      return [consensus.type, consensus.initialDifficulty, consensus.minimumDifficulty]
    case 'poa':
      return [consensus.type, consensus.epoch, [...consensus.signers]]
  }
}

/**
 * `config` with proof-of-authority instead of its consensus: `signers` (public keys) take turns,
 * checkpoints every `epoch` blocks. Checked as a genesis file would be: throws `GenesisError`.
 */
export function withProofOfAuthority(config: GenesisConfig, signers: readonly Uint8Array[], epoch = DEFAULT_EPOCH_BLOCKS): GenesisConfig {
  return parseGenesis(JSON.stringify({ ...genesisToJson(config), consensus: { type: 'poa', signers: signers.map(toHex), epoch } }))
}

const GENESIS_TAG = domainTag('genesis')

/** Hash of the canonical encoding of every field of the configuration. */
export function genesisConfigHash(config: GenesisConfig): Uint8Array {
  const { params, consensus } = config
  return sha256(
    GENESIS_TAG,
    encode([
      config.network,
      config.timestamp,
      [params.maxBlockBytes, params.blockGasLimit, params.targetBlockTimeMs],
      consensusFields(consensus),
      config.participants.map((p) => [p.publicKey, p.name]),
    ]),
  )
}

/**
 * The genesis header: height 0, no transactions, the initial state's root (computed by the
 * state layer, which registers the initial participants), and the configuration hash as parent.
 */
export function genesisHeader(config: GenesisConfig, stateRoot: Uint8Array): BlockHeader {
  return {
    version: BLOCK_VERSION,
    height: 0,
    parentHash: genesisConfigHash(config),
    timestamp: config.timestamp,
    txRoot: EMPTY_MERKLE_ROOT,
    stateRoot,
    receiptsRoot: EMPTY_MERKLE_ROOT,
    gasUsed: 0,
    producer: new Uint8Array(ADDRESS_BYTES),
    // Proof-of-authority's genesis is nobody's turn: the weight of one out-of-turn block.
    difficulty: config.consensus.type === 'pow' ? config.consensus.initialDifficulty : 1n,
    seal: new Uint8Array(config.consensus.type === 'pow' ? 8 : 0),
  }
}
