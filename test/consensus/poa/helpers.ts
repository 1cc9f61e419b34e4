/**
 * Proof-of-authority chains of headers in memory, for the consensus's unit tests: signers named
 * by letters, blocks written as `A`, `A+C` (A seals and votes to add C) or `A-C`, each built,
 * sealed and checked with `validateHeader` as the chain would.
 */
import { publicKeyOf } from '../../../src/crypto/ed25519.js'
import { sha256 } from '../../../src/crypto/hash.js'
import { participantIdOf } from '../../../src/crypto/identity.js'
import { bytesEqual, toHex, utf8 } from '../../../src/encoding/bytes.js'
import type { HeaderReader } from '../../../src/consensus/consensus.js'
import { encodeCheckpoint, encodeVote } from '../../../src/consensus/poa/extra.js'
import { ProofOfAuthority, signHeader } from '../../../src/consensus/poa/poa.js'
import type { SignerSnapshot } from '../../../src/consensus/poa/snapshot.js'
import { POA_IN_TURN_DIFFICULTY, POA_OUT_OF_TURN_DIFFICULTY } from '../../../src/consensus/constants.js'
import { blockHash, type BlockHeader } from '../../../src/ledger/block.js'
import { compareKeys, genesisHeader, parseGenesis, type GenesisConfig } from '../../../src/ledger/genesis.js'

export const PERIOD_MS = 1_000
export const T0 = Date.UTC(2026, 0, 1)

export interface Signer {
  readonly name: string
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly id: Uint8Array
}

export function signer(name: string): Signer {
  const secretKey = sha256(utf8(`poa signer ${name}`))
  const publicKey = publicKeyOf(secretKey)
  return { name, secretKey, publicKey, id: participantIdOf(publicKey) }
}

const NAMES = 'ABCDEFGH'
export const SIGNERS: Readonly<Record<string, Signer>> = Object.fromEntries([...NAMES].map((name) => [name, signer(name)]))

export function nameOf(key: Uint8Array): string {
  return Object.values(SIGNERS).find((s) => bytesEqual(s.publicKey, key))?.name ?? `?${toHex(key).slice(0, 8)}`
}

/** Names of a snapshot's signers, alphabetically (their turn order is by key bytes). */
export function namesOf(snapshot: SignerSnapshot): string {
  return snapshot.signers.map(nameOf).sort().join('')
}

export function poaGenesis(names: string, epoch = 1_000): GenesisConfig {
  return parseGenesis(
    JSON.stringify({
      network: 'poa-test',
      timestamp: T0,
      params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: PERIOD_MS },
      consensus: { type: 'poa', signers: [...names].map((n) => toHex(SIGNERS[n]!.publicKey)), epoch },
    }),
  )
}

/** Headers by hash: the ancestors a consensus reads. */
export class HeaderStore implements HeaderReader {
  private readonly byHash = new Map<string, BlockHeader>()

  add(header: BlockHeader): Uint8Array {
    const hash = blockHash(header)
    this.byHash.set(toHex(hash), header)
    return hash
  }

  header(hash: Uint8Array): BlockHeader | undefined {
    return this.byHash.get(toHex(hash))
  }
}

export interface BlockSpec {
  readonly signer: string
  readonly vote?: { readonly target: string; readonly add: boolean }
}

/** `A`, `A+C`, `A-C`. */
export function parseStep(step: string): BlockSpec {
  const match = /^([A-H])(?:([+-])([A-H]))?$/.exec(step)
  if (match === null) throw new Error(`bad step ${step}`)
  return { signer: match[1]!, ...(match[2] === undefined ? {} : { vote: { target: match[3]!, add: match[2] === '+' } }) }
}

/** A chain under test: a consensus, its genesis and the headers built so far. */
export class TestChain {
  readonly consensus: ProofOfAuthority
  readonly headers = new HeaderStore()
  readonly genesis: BlockHeader
  readonly genesisHash: Uint8Array

  constructor(readonly config: GenesisConfig) {
    this.consensus = new ProofOfAuthority(config.consensus as never, PERIOD_MS)
    this.genesis = genesisHeader(config, sha256(utf8('state')))
    this.genesisHash = this.headers.add(this.genesis)
  }

  get epoch(): number {
    return (this.config.consensus as { epoch: number }).epoch
  }

  /**
   * A header on `parent` as its signer would make it: the turn's difficulty, the checkpoint
   * list or the vote, a period later, sealed. `changes` apply before sealing.
   */
  make(parent: BlockHeader, spec: BlockSpec, changes: Partial<BlockHeader> = {}): BlockHeader {
    const parentHash = blockHash(parent)
    const snapshot = this.consensus.snapshotAfter(parentHash, parent, this.headers)
    const height = parent.height + 1
    const key = SIGNERS[spec.signer]!
    const index = snapshot.indexOfKey(key.publicKey)
    const inTurn = index !== undefined && snapshot.isInTurn(height, index)
    const checkpoint = height % this.epoch === 0
    const extra = checkpoint ? encodeCheckpoint(snapshot.signers) : spec.vote === undefined ? undefined : encodeVote({ target: SIGNERS[spec.vote.target]!.publicKey, add: spec.vote.add })
    const header: BlockHeader = {
      version: 1,
      height,
      parentHash,
      timestamp: parent.timestamp + PERIOD_MS,
      txRoot: parent.txRoot,
      stateRoot: parent.stateRoot,
      receiptsRoot: parent.receiptsRoot,
      gasUsed: 0,
      producer: key.id,
      difficulty: inTurn ? POA_IN_TURN_DIFFICULTY : POA_OUT_OF_TURN_DIFFICULTY,
      ...(extra === undefined ? {} : { extra }),
      seal: new Uint8Array(0),
      ...changes,
    }
    return signHeader(header, key.secretKey)
  }

  /** Validates `header` on `parent` as the chain would, and stores it. */
  accept(header: BlockHeader, parent: BlockHeader): Uint8Array {
    this.consensus.validateHeader(header, parent, header.timestamp, this.headers)
    return this.headers.add(header)
  }

  /** Builds, checks and stores one block per step on `parent` (genesis when omitted); returns the last. */
  extend(steps: readonly string[], parent: BlockHeader = this.genesis): { header: BlockHeader; hash: Uint8Array } {
    let header = parent
    let hash = blockHash(parent)
    for (const step of steps) {
      const next = this.make(header, parseStep(step))
      hash = this.accept(next, header)
      header = next
    }
    return { header, hash }
  }
}

export function sortedKeys(names: string): Uint8Array[] {
  return [...names].map((n) => SIGNERS[n]!.publicKey).sort(compareKeys)
}

/** Signer names in turn order (sorted by key): block h is in turn for the name at h % N. */
export function turnOrder(names: string): string[] {
  return sortedKeys(names).map(nameOf)
}
