/**
 * Encryption keys and records in the state, on a real chain (LevelDB, producer, import): a
 * registration stores the key, a rotation replaces it, a record is indexed under each
 * recipient, and records to unregistered recipients or to keys that are not current are
 * refused by the rules of the state.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { produceBlock } from '../../src/chain/producer.js'
import { recordsReadableBy } from '../../src/chain/queries.js'
import { generateKeyPair, type HpkeKeyPair } from '../../src/crypto/hpke.js'
import { bytesEqual, toHex, utf8 } from '../../src/encoding/bytes.js'
import { sealRecord } from '../../src/ledger/encrypted-record.js'
import { bindEncryptionKey, registrationPayload } from '../../src/ledger/encryption-key.js'
import { transactionHash, type Transaction } from '../../src/ledger/transaction.js'
import { ExecutionError, readParticipant } from '../../src/state/executor.js'
import type { Chain } from '../../src/chain/chain.js'
import { BLOCK_INTERVAL_MS, extendChain, openTestChain, PRODUCER, signed, testKey, type TestKey } from '../helpers/chain.js'

const [ALICE, BOB, CAROL, DAVE] = ['alice', 'bob', 'carol', 'dave'].map(testKey) as [TestKey, TestKey, TestKey, TestKey]

/** The state rule a transaction breaks, as the producer reports it (it leaves such transactions out). */
async function refusal(chain: Chain, tx: Transaction): Promise<string> {
  const { skipped } = await produceBlock(chain, [tx], PRODUCER.id, chain.head.header.timestamp + BLOCK_INTERVAL_MS)
  assert.equal(skipped.length, 1)
  assert.ok(skipped[0]!.error instanceof ExecutionError)
  return skipped[0]!.error.code
}

test('registration, rotation and records change the state as the rules say', async (t) => {
  const chain = await openTestChain(t)
  const keys = new Map<TestKey, HpkeKeyPair>([ALICE, BOB].map((who) => [who, generateKeyPair()]))
  const register = (who: TestKey): Transaction =>
    signed(chain, who, 0, registrationPayload(who.secretKey, null, keys.get(who)?.publicKey, chain.networkId))
  // Carol registers without an encryption key; Dave never registers.
  await extendChain(chain, 1, () => [register(ALICE), register(BOB), register(CAROL)])
  assert.deepEqual(readParticipant(chain.stateAt(), BOB.id)?.encryptionKey?.publicKey, keys.get(BOB)!.publicKey)
  assert.equal(readParticipant(chain.stateAt(), CAROL.id)?.encryptionKey, undefined)

  const to = (...who: TestKey[]) => who.map((w) => ({ id: w.id, key: keys.get(w)?.publicKey ?? generateKeyPair().publicKey }))
  const first = signed(chain, ALICE, 1, sealRecord(ALICE.id, to(ALICE, BOB), utf8('first')))
  const [block] = await extendChain(chain, 1, () => [first])
  const hash = toHex(transactionHash(first))
  for (const reader of [ALICE, BOB]) {
    assert.deepEqual((await recordsReadableBy(chain.store, reader.id)).map((entry) => [toHex(entry.hash), toHex(entry.sender), entry.height]), [
      [hash, toHex(ALICE.id), block!.header.height],
    ])
  }
  assert.deepEqual(await recordsReadableBy(chain.store, CAROL.id), [])

  // unregistered recipients and recipients without a key are refused
  assert.equal(await refusal(chain, signed(chain, ALICE, 2, sealRecord(ALICE.id, to(ALICE, DAVE), utf8('x')))), 'EXECUTION_ERROR_UNKNOWN_RECIPIENT')
  assert.equal(await refusal(chain, signed(chain, ALICE, 2, sealRecord(ALICE.id, to(ALICE, CAROL), utf8('x')))), 'EXECUTION_ERROR_STALE_RECIPIENT_KEY')
  // an unregistered sender cannot rotate a key
  const daveKey = { kind: 'encryption-key' as const, encryptionKey: bindEncryptionKey(DAVE.secretKey, generateKeyPair().publicKey, chain.networkId) }
  assert.equal(await refusal(chain, signed(chain, DAVE, 0, daveKey)), 'EXECUTION_ERROR_NOT_REGISTERED')

  // Bob rotates: records to his old key are refused from then on, records to the new one accepted
  const oldKey = keys.get(BOB)!
  keys.set(BOB, generateKeyPair())
  const rotation = signed(chain, BOB, 1, { kind: 'encryption-key', encryptionKey: bindEncryptionKey(BOB.secretKey, keys.get(BOB)!.publicKey, chain.networkId) })
  await extendChain(chain, 1, () => [rotation])
  const bob = readParticipant(chain.stateAt(), BOB.id)!
  assert.ok(bytesEqual(bob.encryptionKey!.publicKey, keys.get(BOB)!.publicKey))
  assert.equal(bob.nonce, 2)
  const stale = sealRecord(ALICE.id, [...to(ALICE), { id: BOB.id, key: oldKey.publicKey }], utf8('to the old key'))
  assert.equal(await refusal(chain, signed(chain, ALICE, 2, stale)), 'EXECUTION_ERROR_STALE_RECIPIENT_KEY')
  const fresh = signed(chain, ALICE, 2, sealRecord(ALICE.id, to(ALICE, BOB), utf8('to the new key')))
  await extendChain(chain, 1, () => [fresh])
  assert.equal((await recordsReadableBy(chain.store, BOB.id)).length, 2)
  assert.deepEqual(readParticipant(chain.stateAt(), ALICE.id)?.nonce, 3)
})
