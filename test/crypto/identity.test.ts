/**
 * Participant ids and contract addresses: derivation by hashing, and the Bech32m text form that
 * refuses typos, the other kind of address and wrong lengths.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { bech32, bech32m } from '@scure/base'
import {
  ADDRESS_BYTES,
  contractAddressOf,
  formatContractAddress,
  formatParticipantId,
  parseContractAddress,
  parseParticipantId,
  participantIdOf,
} from '../../src/crypto/identity.js'
import { fromHex, toHex } from '../../src/encoding/bytes.js'

/** The public key of RFC 8032 §7.1 TEST 1. */
const PUBLIC_KEY = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')!
const PARTICIPANT_TEXT = 'ch1f9r0e7yc7j9gf7r48vrr50hmcugejpfrs0vxt4'
const CONTRACT_TEXT = 'ct1ajf70d30r902scgvmqk89tnhharjzrpdr90r6d'
const address = fc.uint8Array({ minLength: ADDRESS_BYTES, maxLength: ADDRESS_BYTES })

/** The error keeps the first 100 characters of the input, not all of it. */
function refused(parse: (text: string) => unknown, text: string, code: string, detail: string): void {
  assert.throws(() => parse(text), { name: 'AddressError', code, data: { text: text.slice(0, 100), detail } })
}

describe('participant ids', () => {
  it('are the first 20 bytes of SHA-256("chain/participant-id\\0" ‖ public key): a fixed known answer', () => {
    const independent = createHash('sha256').update('chain/participant-id\0').update(PUBLIC_KEY).digest().subarray(0, 20)
    const id = participantIdOf(PUBLIC_KEY)
    assert.equal(toHex(id), '4946fcf898f48a84f8753b063a3efbc711990523')
    assert.equal(toHex(id), toHex(independent))
    assert.equal(formatParticipantId(id), PARTICIPANT_TEXT)
  })

  it('refuses public keys that are not 32 bytes', () => {
    assert.throws(() => participantIdOf(new Uint8Array(31)), {
      name: 'AddressError',
      code: 'ADDRESS_ERROR_BAD_LENGTH',
      data: { text: '', detail: 'public key of 31 bytes' },
    })
  })

  it('round-trip through their text form', () => {
    fc.assert(
      fc.property(address, (id) => {
        const text = formatParticipantId(id)
        assert.match(text, /^ch1[02-9ac-hj-np-z]{38}$/)
        assert.deepEqual(parseParticipantId(text), id)
        assert.deepEqual(parseParticipantId(text.toUpperCase()), id) // BIP 173: all upper case is the same string
      }),
    )
  })

  it('parsed or formatted again (from the memo) give the same answer: bytes of their own, the other kind still refused', () => {
    const first = parseParticipantId(PARTICIPANT_TEXT)
    first.fill(0)
    const again = parseParticipantId(PARTICIPANT_TEXT)
    assert.notDeepEqual(again, first)
    assert.equal(formatParticipantId(again), PARTICIPANT_TEXT)
    assert.equal(formatParticipantId(again), PARTICIPANT_TEXT)
    assert.notEqual(formatParticipantId(first), PARTICIPANT_TEXT)
    refused(parseContractAddress, PARTICIPANT_TEXT, 'ADDRESS_ERROR_WRONG_PREFIX', 'contract address (it should start with ct1)')
    assert.notEqual(formatContractAddress(again), PARTICIPANT_TEXT)
  })

  it('refuse every single-character substitution (the checksum catches typos)', () => {
    const alphabet = [...new Set('qpzry9x8gf2tvdw0s3jn54khce6mua7l1bio QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L-'.split(''))]
    const texts = [PARTICIPANT_TEXT, ...fc.sample(address, { numRuns: 4, seed: 42 }).map(formatParticipantId)]
    let tried = 0
    for (const text of texts) {
      for (let i = 0; i < text.length; i++) {
        for (const c of alphabet) {
          if (c === text[i]) continue
          const typo = text.slice(0, i) + c + text.slice(i + 1)
          refused(parseParticipantId, typo, 'ADDRESS_ERROR_MALFORMED', 'participant id (bad characters or checksum)')
          tried++
        }
      }
    }
    assert.equal(tried, texts.length * PARTICIPANT_TEXT.length * (alphabet.length - 1))
  })

  it('refuse a contract address, or any other prefix, with WRONG_PREFIX', () => {
    refused(parseParticipantId, CONTRACT_TEXT, 'ADDRESS_ERROR_WRONG_PREFIX', 'participant id (it should start with ch1)')
    const bitcoinStyle = bech32m.encode('bc', bech32m.toWords(new Uint8Array(20)))
    refused(parseParticipantId, bitcoinStyle, 'ADDRESS_ERROR_WRONG_PREFIX', 'participant id (it should start with ch1)')
  })

  it('refuse 19, 21 and 32 bytes behind a valid checksum with BAD_LENGTH', () => {
    for (const length of [0, 19, 21, 32]) {
      const text = bech32m.encode('ch', bech32m.toWords(new Uint8Array(length).fill(7)))
      refused(parseParticipantId, text, 'ADDRESS_ERROR_BAD_LENGTH', 'participant id')
    }
    assert.throws(() => formatParticipantId(new Uint8Array(19)), {
      name: 'AddressError',
      code: 'ADDRESS_ERROR_BAD_LENGTH',
      data: { text: '', detail: 'address of 19 bytes' },
    })
  })

  it('refuse the Bech32 (not m) checksum, bad padding, too long and not text', () => {
    const id = participantIdOf(PUBLIC_KEY)
    refused(parseParticipantId, bech32.encode('ch', bech32.toWords(id)), 'ADDRESS_ERROR_MALFORMED', 'participant id (bad characters or checksum)')
    refused(parseParticipantId, bech32m.encode('ch', [...bech32m.toWords(id), 0]), 'ADDRESS_ERROR_MALFORMED', 'participant id (bad padding)')
    refused(parseParticipantId, `ch1${'q'.repeat(100)}`, 'ADDRESS_ERROR_MALFORMED', 'participant id (bad characters or checksum)')
    refused(parseParticipantId, '', 'ADDRESS_ERROR_MALFORMED', 'participant id (bad characters or checksum)')
    assert.throws(() => parseParticipantId(42 as unknown as string), {
      name: 'AddressError',
      code: 'ADDRESS_ERROR_MALFORMED',
      data: { text: '42', detail: 'participant id' },
    })
  })
})

describe('address text: rejects malformed input', () => {
  it('gives AddressError and nothing else for random text', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.stringMatching(/^c[ht]1[02-9ac-hj-np-z]{0,60}$/),
      fc.tuple(address, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([a, at, s]) => {
        const valid = formatParticipantId(a)
        const i = at % valid.length
        return valid.slice(0, i) + s + valid.slice(i + 1)
      }),
    )
    fc.assert(
      fc.property(text, (t) => {
        for (const parse of [parseParticipantId, parseContractAddress]) {
          try {
            assert.equal(parse(t).length, ADDRESS_BYTES)
          } catch (error) {
            assert.equal((error as Error).name, 'AddressError', String(error))
          }
        }
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('contract addresses', () => {
  it('are SHA-256("chain/contract-address\\0" ‖ deployer ‖ nonce as u64 BE), first 20 bytes: a fixed known answer', () => {
    const deployer = participantIdOf(PUBLIC_KEY)
    const nonce = Buffer.alloc(8)
    nonce.writeBigUInt64BE(7n)
    const independent = createHash('sha256').update('chain/contract-address\0').update(deployer).update(nonce).digest().subarray(0, 20)
    const contract = contractAddressOf(deployer, 7)
    assert.equal(toHex(contract), 'ec93e7b62f195ea8610cd82c72ae77bf47210c2d')
    assert.equal(toHex(contract), toHex(independent))
    assert.equal(formatContractAddress(contract), CONTRACT_TEXT)
  })

  it('differ for every nonce and deployer', () => {
    fc.assert(
      fc.property(address, fc.maxSafeNat(), fc.maxSafeNat(), (deployer, a, b) => {
        fc.pre(a !== b)
        assert.notDeepEqual(contractAddressOf(deployer, a), contractAddressOf(deployer, b))
      }),
    )
  })

  it('round-trip through their text form, and refuse a participant id', () => {
    fc.assert(fc.property(address, (a) => assert.deepEqual(parseContractAddress(formatContractAddress(a)), a)))
    refused(parseContractAddress, PARTICIPANT_TEXT, 'ADDRESS_ERROR_WRONG_PREFIX', 'contract address (it should start with ct1)')
    refused(parseContractAddress, CONTRACT_TEXT.slice(0, -1) + 'q', 'ADDRESS_ERROR_MALFORMED', 'contract address (bad characters or checksum)')
  })
})
