/**
 * The ledger's hot paths beside their raw primitives, measured in the same run:
 *   - Ed25519 verifications per second: `verify` (libsodium, behind chain's pre-checks) against
 *     `verifyReference` (noble, pure JavaScript), and against OpenSSL through `node:crypto` with
 *     each key parsed once beforehand (what `verify` used before libsodium), on the same few
 *     hundred keys and messages;
 *   - transactions validated per second (decode + hash + stateless checks + signature) against
 *     the raw `verify` rate of the same signatures: what the node pays beyond the signature;
 *   - proof-of-work hashes per second of `searchNonce` against a plain `createHash('sha256')`
 *     of the same header bytes.
 * Each figure and its baseline are measured in alternating passes of some tens of milliseconds,
 * so a neighbour's burst of work on a shared machine does not land on one side only.
 */
import { createHash, createPublicKey, verify as opensslVerify } from 'node:crypto'
import { publicKeyOf, sign, verify, verifyReference } from '../src/crypto/ed25519.js'
import { sha256 } from '../src/crypto/hash.js'
import { utf8 } from '../src/encoding/bytes.js'
import { BLOCK_VERSION, encodeHeader } from '../src/ledger/block.js'
import { EMPTY_MERKLE_ROOT } from '../src/ledger/merkle.js'
import {
  decodeTransaction,
  encodeTransaction,
  signingHash,
  signTransaction,
  transactionHash,
  validateTransaction,
  type UnsignedTransaction,
} from '../src/ledger/transaction.js'
import { searchNonce, targetBytes } from '../src/consensus/pow.js'
import { performance } from 'node:perf_hooks'
import type { Benchmark, Figure } from './harness.js'

const KEYS = 300
/** Time given to each comparison, split between its two sides. */
const COMPARISON_MS = 6_000
const NETWORK_ID = sha256(utf8('bench network'))
const BLOCK_GAS_LIMIT = 200_000_000
const POW_HASHES_PER_PASS = 20_000

interface Signed {
  readonly signature: Uint8Array
  readonly message: Uint8Array
  readonly publicKey: Uint8Array
}

function secretKey(i: number): Uint8Array {
  return sha256(utf8(`bench key ${i}`))
}

/** One pass of work: returns how many items it did. */
type Pass = () => number

function over<T>(items: readonly T[], work: (item: T) => unknown): Pass {
  return () => {
    for (const item of items) work(item)
    return items.length
  }
}

/**
 * Items per second of `figure` and of `baseline`, their passes alternating (each some tens of
 * milliseconds) until `COMPARISON_MS` is spent, after a warm-up pass of each. On a machine shared
 * with other work, both sides then see the same share of the CPU.
 */
function sideBySide(figure: Pass, baseline: Pass): [number, number] {
  figure()
  baseline()
  const done = [0, 0]
  const spentMs = [0, 0]
  while (spentMs[0]! + spentMs[1]! < COMPARISON_MS) {
    for (const [side, pass] of [figure, baseline].entries()) {
      const start = performance.now()
      done[side]! += pass()
      spentMs[side]! += performance.now() - start
    }
  }
  return [(done[0]! * 1000) / spentMs[0]!, (done[1]! * 1000) / spentMs[1]!]
}

function signatures(): Signed[] {
  return Array.from({ length: KEYS }, (_, i) => {
    const key = secretKey(i)
    const message = sha256(utf8(`bench message ${i}`)).subarray(0, 16 + (i % 17))
    return { signature: sign(key, message), message, publicKey: publicKeyOf(key) }
  })
}

/** Encoded signed transactions of the three kinds, one per key. */
function transactions(): Uint8Array[] {
  return Array.from({ length: KEYS }, (_, i) => {
    const key = secretKey(i)
    const common = { publicKey: publicKeyOf(key), nonce: i, gasLimit: 100_000 }
    const kinds: UnsignedTransaction[] = [
      { ...common, kind: 'participant', name: `participant ${i}` },
      { ...common, kind: 'contract-deploy', code: `export function init() { state.n = ${i} }`, args: '[]' },
      { ...common, kind: 'contract-call', contract: sha256(utf8(`contract ${i % 7}`)).subarray(0, 20), method: 'transfer', args: `["bob", ${i}]` },
    ]
    return encodeTransaction(signTransaction(kinds[i % 3]!, key, NETWORK_ID))
  })
}

export const benchmark: Benchmark = {
  name: 'crypto',
  run(): Promise<Figure[]> {
    const figures: Figure[] = []

    const signed = signatures()
    for (const s of signed) if (!verify(s.signature, s.message, s.publicKey)) throw new Error('bench setup: a signature does not verify')
    const [sodium, noble] = sideBySide(
      over(signed, (s) => verify(s.signature, s.message, s.publicKey)),
      over(signed, (s) => verifyReference(s.signature, s.message, s.publicKey)),
    )
    figures.push({
      name: 'Ed25519 verify (libsodium, with the pre-checks)',
      value: sodium,
      unit: 'verifications/s',
      baseline: { name: 'verifyReference (noble)', value: noble },
      note: `${KEYS} keys and messages`,
    })
    const spki = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
    const parsed = signed.map((s) => ({ ...s, key: createPublicKey({ key: Buffer.from([...spki, ...s.publicKey]), format: 'der', type: 'spki' }) }))
    const [againSodium, openssl] = sideBySide(
      over(signed, (s) => verify(s.signature, s.message, s.publicKey)),
      over(parsed, (s) => opensslVerify(null, s.message, s.key, s.signature)),
    )
    figures.push({
      name: 'Ed25519 verify (libsodium, with the pre-checks)',
      value: againSodium,
      unit: 'verifications/s',
      baseline: { name: 'OpenSSL (node:crypto), each key parsed once beforehand, no pre-checks', value: openssl },
      note: `${KEYS} keys and messages; what verify used before libsodium, its key parsing left out`,
    })

    const encoded = transactions()
    const txSignatures: Signed[] = encoded.map((bytes) => {
      const tx = decodeTransaction(bytes)
      return { signature: tx.signature, message: signingHash(tx, NETWORK_ID), publicKey: tx.publicKey }
    })
    const [validated, raw] = sideBySide(
      over(encoded, (bytes) => {
        const tx = decodeTransaction(bytes)
        transactionHash(tx)
        validateTransaction(tx, NETWORK_ID, BLOCK_GAS_LIMIT)
      }),
      over(txSignatures, (s) => verify(s.signature, s.message, s.publicKey)),
    )
    figures.push({
      name: 'transactions validated (decode + hash + validateTransaction)',
      value: validated,
      unit: 'transactions/s',
      baseline: { name: 'raw verify of the same signatures', value: raw },
      note: `ratio ${(validated / raw).toFixed(2)} (the issue expects >= 0.8)`,
    })

    const header = encodeHeader({
      version: BLOCK_VERSION,
      height: 1_000,
      parentHash: sha256(utf8('parent')),
      timestamp: Date.UTC(2026, 0, 1),
      txRoot: EMPTY_MERKLE_ROOT,
      stateRoot: EMPTY_MERKLE_ROOT,
      receiptsRoot: EMPTY_MERKLE_ROOT,
      gasUsed: 0,
      producer: new Uint8Array(20),
      difficulty: (1n << 64n) - 1n,
      seal: new Uint8Array(8),
    })
    const unreachable = targetBytes((1n << 64n) - 1n)
    let start = 0n
    const [search, plain] = sideBySide(
      () => {
        searchNonce(header, unreachable, start, POW_HASHES_PER_PASS)
        start += BigInt(POW_HASHES_PER_PASS)
        return POW_HASHES_PER_PASS
      },
      () => {
        for (let i = 0; i < POW_HASHES_PER_PASS; i++) createHash('sha256').update(header).digest()
        return POW_HASHES_PER_PASS
      },
    )
    figures.push({
      name: 'proof-of-work searchNonce',
      value: search,
      unit: 'hashes/s',
      baseline: { name: "createHash('sha256') of the same header bytes", value: plain },
      note: `${header.length}-byte header`,
    })
    return Promise.resolve(figures)
  },
}
