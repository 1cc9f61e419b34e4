import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { sha256 } from '../../src/crypto/hash.js'
import { participantIdOf } from '../../src/crypto/identity.js'
import { toHex, utf8 } from '../../src/encoding/bytes.js'
import { decodeTransaction, encodeTransaction, signTransaction, type Transaction, type TxPayload } from '../../src/ledger/transaction.js'
import { Mempool, MempoolError } from '../../src/chain/mempool.js'

const NETWORK = new Uint8Array(32).fill(9)
const key = (name: string): { name: string; secretKey: Uint8Array; id: Uint8Array } => {
  const secretKey = sha256(utf8(name))
  return { name, secretKey, id: participantIdOf(publicKeyOf(secretKey)) }
}
const ALICE = key('alice')
const BOB = key('bob')
const CAROL = key('carol')
const CALL: TxPayload = { kind: 'contract-call', contract: new Uint8Array(20), method: 'get', args: '[]' }

function tx(who: { secretKey: Uint8Array }, nonce: number, gasLimit = 50_000, payload: TxPayload = CALL): Transaction {
  return signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce, gasLimit }, who.secretKey, NETWORK)
}

/** A chain stand-in: the registered senders and their next nonces. */
function chainNonces(entries: [{ id: Uint8Array }, number][]): Map<string, number> {
  return new Map(entries.map(([who, nonce]) => [toHex(who.id), nonce]))
}

function pool(nonces: Map<string, number>, limits = {}): Mempool {
  return new Mempool((sender) => nonces.get(toHex(sender)), limits)
}

function assertRefused(action: () => unknown, code: string): void {
  assert.throws(action, (error: unknown) => error instanceof MempoolError && error.code === code)
}

const label = (t: Transaction): string => `${[ALICE, BOB, CAROL].find((k) => toHex(k.id) === toHex(participantIdOf(t.publicKey)))!.name}:${t.nonce}`

test('yields each sender in nonce order without gaps, senders interleaved by arrival', () => {
  const mempool = pool(chainNonces([[ALICE, 3], [BOB, 0]]))
  mempool.add(tx(ALICE, 4))
  mempool.add(tx(BOB, 0))
  mempool.add(tx(ALICE, 3))
  mempool.add(tx(ALICE, 6)) // nonce 5 is missing: 6 waits
  assert.deepEqual([...mempool.pending()].map(label), ['bob:0', 'alice:3', 'alice:4'])
  assert.equal(mempool.size, 4)
  assert.equal(mempool.nextNonce(ALICE.id), 5)
  assert.equal(mempool.nextNonce(BOB.id), 1)
  assert.equal(mempool.nextNonce(CAROL.id), 0)
})

test('refuses with a typed error: known, stale nonce, nonce too far ahead, unregistered, registered twice, low replacement', () => {
  const mempool = pool(chainNonces([[ALICE, 3]]), { maxPerSender: 8 })
  const first = tx(ALICE, 3)
  mempool.add(first)
  assertRefused(() => mempool.add(first), 'MEMPOOL_ERROR_KNOWN')
  assertRefused(() => mempool.add(tx(ALICE, 2)), 'MEMPOOL_ERROR_NONCE_TOO_LOW')
  assertRefused(() => mempool.add(tx(ALICE, 11)), 'MEMPOOL_ERROR_NONCE_TOO_HIGH')
  assertRefused(() => mempool.add(tx(BOB, 0)), 'MEMPOOL_ERROR_NOT_REGISTERED')
  assertRefused(() => mempool.add(tx(ALICE, 0, 50_000, { kind: 'participant', name: null })), 'MEMPOOL_ERROR_ALREADY_REGISTERED')
  assertRefused(() => mempool.add(tx(ALICE, 3, 50_000)), 'MEMPOOL_ERROR_KNOWN')
  assertRefused(() => mempool.add(tx(ALICE, 3, 40_000)), 'MEMPOOL_ERROR_REPLACEMENT_TOO_LOW')
  const { replaced } = mempool.add(tx(ALICE, 3, 60_000))
  assert.deepEqual(replaced, first)
  assert.equal(mempool.size, 1)
  assert.equal([...mempool.pending()][0]!.gasLimit, 60_000)
})

test('a sender whose registration is pending may queue its next transactions', () => {
  const mempool = pool(chainNonces([]))
  assertRefused(() => mempool.add(tx(CAROL, 1)), 'MEMPOOL_ERROR_NOT_REGISTERED')
  mempool.add(tx(CAROL, 0, 50_000, { kind: 'participant', name: 'carol' }))
  mempool.add(tx(CAROL, 1))
  assert.deepEqual([...mempool.pending()].map(label), ['carol:0', 'carol:1'])
})

test('over its cap the pool evicts the oldest transaction with its sender’s later nonces', () => {
  const mempool = pool(chainNonces([[ALICE, 0], [BOB, 0]]), { maxTxs: 3 })
  mempool.add(tx(ALICE, 0))
  mempool.add(tx(BOB, 0))
  mempool.add(tx(ALICE, 1))
  const { evicted } = mempool.add(tx(BOB, 1))
  assert.deepEqual(evicted.map(label), ['alice:0', 'alice:1'])
  assert.deepEqual([...mempool.pending()].map(label), ['bob:0', 'bob:1'])
  assert.ok(mempool.sizeBytes > 0)
})

test('a new head removes included and stale transactions and brings back those of abandoned blocks', () => {
  const nonces = chainNonces([[ALICE, 0], [BOB, 0]])
  const mempool = pool(nonces)
  const a0 = tx(ALICE, 0)
  const a1 = tx(ALICE, 1)
  const b0 = tx(BOB, 0)
  mempool.add(a0)
  mempool.add(a1)
  mempool.add(b0)
  // a block includes a0, and b0 through another transaction with the same nonce
  nonces.set(toHex(ALICE.id), 1)
  nonces.set(toHex(BOB.id), 1)
  assert.deepEqual(mempool.update([a0, tx(BOB, 0, 70_000)], []), [])
  assert.deepEqual([...mempool.pending()].map(label), ['alice:1'])
  // a reorganisation abandons that block: the chain is back at nonce 0 for both
  nonces.set(toHex(ALICE.id), 0)
  nonces.set(toHex(BOB.id), 0)
  const back = mempool.update([], [a1, a0, b0])
  assert.deepEqual(back.map(label).sort(), ['alice:0', 'bob:0'])
  assert.deepEqual([...mempool.pending()].map(label), ['alice:0', 'alice:1', 'bob:0'])
})

test('every departure is told with its reason and remembered: replaced, evicted, stale, unincludable, predecessor-dropped', () => {
  const nonces = chainNonces([[ALICE, 0], [BOB, 0], [CAROL, 0]])
  const told: Array<[string, string]> = []
  const mempool = new Mempool((sender) => nonces.get(toHex(sender)), { maxTxs: 4, onDrop: (hash, { reason }) => told.push([hash, reason]) })
  const hashOf = (t: Transaction): Uint8Array => mempool.add(t).hash
  const first = tx(ALICE, 0)
  const firstHash = hashOf(first)
  const replacement = hashOf(tx(ALICE, 0, 60_000))
  assert.deepEqual(mempool.departure(firstHash), { tx: first, reason: 'replaced', detail: `by ${toHex(replacement)}` })

  const bob0 = hashOf(tx(BOB, 0))
  const bob1 = hashOf(tx(BOB, 1))
  const carol0 = hashOf(tx(CAROL, 0))
  // A fifth transaction: the oldest (alice's replacement) leaves.
  hashOf(tx(CAROL, 1))
  assert.equal(mempool.departure(replacement)?.reason, 'evicted')

  // A block could not include bob's first: it goes, and his second with it.
  mempool.drop(tx(BOB, 0), 'nonce 0, expected 1')
  assert.deepEqual([mempool.departure(bob0)?.reason, mempool.departure(bob0)?.detail], ['unincludable', 'nonce 0, expected 1'])
  assert.equal(mempool.departure(bob1)?.reason, 'predecessor-dropped')

  // Carol's nonce 0 was used on chain by another transaction.
  nonces.set(toHex(CAROL.id), 1)
  mempool.update([], [])
  assert.equal(mempool.departure(carol0)?.reason, 'stale')
  assert.equal(mempool.size, 1)

  assert.deepEqual(told.map(([, reason]) => reason), ['replaced', 'evicted', 'unincludable', 'predecessor-dropped', 'stale'])
  // Admitted again (a reorganisation brought it back): no longer a departure.
  nonces.set(toHex(CAROL.id), 0)
  mempool.add(tx(CAROL, 0))
  assert.equal(mempool.departure(carol0), undefined)
})

test('departures are remembered within a bound in bytes, the most recent first', () => {
  const nonces = chainNonces([[ALICE, 0]])
  const code = 'x'.repeat(2_000)
  const deploy = (nonce: number, gasLimit: number): Transaction => tx(ALICE, nonce, gasLimit, { kind: 'contract-deploy', code, args: '[]' })
  const bound = 10 * 2_500
  const mempool = pool(nonces, { maxDepartureBytes: bound })
  // Each replacement of nonce 0 makes the one it replaced a departure of about 2 KiB.
  const hashes = Array.from({ length: 50 }, (_, i) => mempool.add(deploy(0, 1_000_000 + i)).hash)
  assert.ok(mempool.departureBytes <= bound, `${mempool.departureBytes} bytes remembered`)
  assert.ok(mempool.departureBytes > bound / 2)
  assert.equal(mempool.departure(hashes[48]!)?.reason, 'replaced', 'the most recent is remembered')
  assert.equal(mempool.departure(hashes[0]!), undefined, 'the oldest is forgotten')
})

test('what the remembered departures are charged covers the memory they hold', () => {
  // Measured after full collections: the heap's and the buffers' growth for 2,000 departures.
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  const held = (): number => {
    collect()
    collect()
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return heapUsed + arrayBuffers
  }
  const replacements = Array.from({ length: 2_001 }, (_, i) => encodeTransaction(tx(ALICE, 0, 50_000 + i)))
  // The same work on another pool first, so that what is measured is not the code compiled for it.
  const warm = pool(chainNonces([[ALICE, 0]]), { maxDepartureBytes: 64 * 1024 * 1024 })
  for (const bytes of replacements.slice(0, 200)) warm.add(decodeTransaction(bytes))
  const mempool = pool(chainNonces([[ALICE, 0]]), { maxDepartureBytes: 64 * 1024 * 1024 })
  // The first is pending before the measure starts: what grows is the 2,000 departures alone.
  mempool.add(decodeTransaction(replacements[0]!))
  const before = held()
  // Each replacement makes the one before it a departure; only the last stays pending.
  for (const bytes of replacements.slice(1)) mempool.add(decodeTransaction(bytes))
  const measured = held() - before
  assert.equal(mempool.size, 1)
  assert.ok(mempool.departureBytes >= measured, `charged ${mempool.departureBytes} bytes, holding ${measured}`)
})
