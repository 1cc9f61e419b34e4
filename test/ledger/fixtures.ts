/**
 * Shared material of the ledger tests: fixed keys and network ids, fast-check arbitraries of
 * valid transactions of the three kinds, and byte-level mutations of encodings.
 */
import fc from 'fast-check'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { sha256 } from '../../src/crypto/hash.js'
import { utf8 } from '../../src/encoding/bytes.js'
import type { CborValue } from '../../src/encoding/cbor.js'
import type { ChainParams } from '../../src/ledger/block.js'
import { ADDRESS_BYTES } from '../../src/crypto/identity.js'
import { MAX_NAME_BYTES } from '../../src/ledger/constants.js'
import {
  intrinsicGas,
  isValidParticipantName,
  signTransaction,
  type Transaction,
  type TxPayload,
  type UnsignedTransaction,
} from '../../src/ledger/transaction.js'

export const NETWORK_ID = sha256(utf8('chain tests: network A'))
export const OTHER_NETWORK_ID = sha256(utf8('chain tests: network B'))

export const PARAMS: ChainParams = { maxBlockBytes: 1024 * 1024, blockGasLimit: 10_000_000, targetBlockTimeMs: 1_000 }

/** A fixed secret key per index, so failures reproduce. */
export function testSecretKey(index: number): Uint8Array {
  return sha256(utf8(`chain tests: secret key ${index}`))
}

export const TEST_KEYS = Array.from({ length: 8 }, (_, i) => testSecretKey(i))

const name = fc
  .string({ minLength: 1, maxLength: 20, unit: 'grapheme' })
  .filter((text) => isValidParticipantName(text) && Buffer.byteLength(text) <= MAX_NAME_BYTES)
const jsonArgs = fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }).map((args) => JSON.stringify(args))
const method = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,30}$/)

export const payloadArb: fc.Arbitrary<TxPayload> = fc.oneof(
  fc.record({ kind: fc.constant('participant' as const), name: fc.option(name, { nil: null }) }),
  fc.record({ kind: fc.constant('contract-deploy' as const), code: fc.string({ maxLength: 200, unit: 'grapheme' }), args: jsonArgs }),
  fc.record({
    kind: fc.constant('contract-call' as const),
    contract: fc.uint8Array({ minLength: ADDRESS_BYTES, maxLength: ADDRESS_BYTES }),
    method,
    args: jsonArgs,
  }),
)

/** An unsigned transaction that passes every stateless check under `PARAMS`, from key `keyIndex`. */
export const unsignedArb: fc.Arbitrary<{ keyIndex: number; tx: UnsignedTransaction }> = fc
  .tuple(payloadArb, fc.nat(TEST_KEYS.length - 1), fc.maxSafeNat())
  .chain(([payload, keyIndex, nonce]) =>
    fc.integer({ min: intrinsicGas(payload), max: PARAMS.blockGasLimit }).map((gasLimit) => ({
      keyIndex,
      tx: { ...payload, publicKey: publicKeyOf(TEST_KEYS[keyIndex]!), nonce, gasLimit },
    })),
  )

export const signedArb: fc.Arbitrary<Transaction> = unsignedArb.map(({ keyIndex, tx }) => signTransaction(tx, TEST_KEYS[keyIndex]!, NETWORK_ID))

/** One valid transaction of each kind, fixed. */
export function sampleTransactions(keyIndex = 0, nonce = 0): Transaction[] {
  const key = TEST_KEYS[keyIndex]!
  const common = { publicKey: publicKeyOf(key), nonce, gasLimit: 100_000 }
  const unsigned: UnsignedTransaction[] = [
    { ...common, kind: 'participant', name: 'Ada Lovelace' },
    { ...common, kind: 'contract-deploy', code: 'export function init(owner) { state.owner = owner }', args: '["ada"]' },
    { ...common, kind: 'contract-call', contract: new Uint8Array(ADDRESS_BYTES).fill(0xc7), method: 'transfer', args: '["bob", 10]' },
  ]
  return unsigned.map((tx, i) => signTransaction({ ...tx, nonce: nonce + i }, key, NETWORK_ID))
}

/** Any value the encoding carries, for structure-aware fuzzing of the decoders. */
export const cborValueArb: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -1000, max: 1000 }),
    fc.maxSafeNat(),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.string({ maxLength: 70 }),
    fc.constant(null),
    fc.boolean(),
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie('value'), { maxLength: 12 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value

/** Changes to a byte string: a bit flip, a byte set, an insertion, a deletion, a truncation. */
export type Mutation =
  | { readonly type: 'flip'; readonly at: number; readonly bit: number }
  | { readonly type: 'set'; readonly at: number; readonly value: number }
  | { readonly type: 'insert'; readonly at: number; readonly value: number }
  | { readonly type: 'delete'; readonly at: number }
  | { readonly type: 'truncate'; readonly at: number }

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ type: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ type: fc.constant('insert' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ type: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ type: fc.constant('truncate' as const), at: fc.nat() }),
)

/** Applies a mutation (positions taken modulo the length); `undefined` when it changes nothing. */
export function mutate(bytes: Uint8Array, mutation: Mutation): Uint8Array | undefined {
  const at = mutation.at % bytes.length
  const out = [...bytes]
  switch (mutation.type) {
    case 'flip':
      out[at] = out[at]! ^ (1 << mutation.bit)
      break
    case 'set':
      if (out[at] === mutation.value) return undefined
      out[at] = mutation.value
      break
    case 'insert':
      out.splice(at, 0, mutation.value)
      break
    case 'delete':
      out.splice(at, 1)
      break
    case 'truncate':
      out.length = at
      break
  }
  return Uint8Array.from(out)
}
