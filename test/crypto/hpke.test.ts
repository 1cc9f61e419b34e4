/** HPKE (RFC 9180) base mode: the RFC's published vector, round trips, and every refusal. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import {
  deriveKeyPair,
  generateKeyPair,
  HpkeError,
  openBase,
  sealBase,
  setupBaseRecipient,
  setupBaseSender,
} from '../../src/crypto/hpke.js'
import { fromHex, toHex, utf8 } from '../../src/encoding/bytes.js'

interface Vector {
  readonly info: string
  readonly ikmE: string
  readonly pkEm: string
  readonly skEm: string
  readonly ikmR: string
  readonly pkRm: string
  readonly skRm: string
  readonly enc: string
  readonly shared_secret: string
  readonly key: string
  readonly base_nonce: string
  readonly exporter_secret: string
  readonly encryptions: readonly { sequence: number; pt: string; aad: string; nonce: string; ct: string }[]
  readonly exports: readonly { exporter_context: string; L: number; exported_value: string }[]
}

/** RFC 9180 Appendix A.2.1 (test/fixtures/hpke/README.md). */
const VECTOR = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/hpke/rfc9180-x25519-sha256-chacha20poly1305-base.json', import.meta.url), 'utf8'),
) as Vector

const hex = (text: string): Uint8Array => fromHex(text)!

function expectHpkeError(code: HpkeError['code'], run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof HpkeError && error.code === code)
}

describe('HPKE known answers (RFC 9180 A.2.1)', () => {
  it('derives the ephemeral and recipient key pairs', () => {
    const ephemeral = deriveKeyPair(hex(VECTOR.ikmE))
    assert.equal(toHex(ephemeral.secretKey), VECTOR.skEm)
    assert.equal(toHex(ephemeral.publicKey), VECTOR.pkEm)
    const recipient = deriveKeyPair(hex(VECTOR.ikmR))
    assert.equal(toHex(recipient.secretKey), VECTOR.skRm)
    assert.equal(toHex(recipient.publicKey), VECTOR.pkRm)
  })

  it('gives the same enc, shared secret and key schedule on both sides', () => {
    const sender = setupBaseSender(hex(VECTOR.pkRm), hex(VECTOR.info), hex(VECTOR.ikmE))
    assert.equal(toHex(sender.enc), VECTOR.enc)
    const recipient = setupBaseRecipient(hex(VECTOR.enc), hex(VECTOR.skRm), hex(VECTOR.info))
    for (const context of [sender.context, recipient]) {
      assert.equal(toHex(context.schedule.sharedSecret), VECTOR.shared_secret)
      assert.equal(toHex(context.schedule.key), VECTOR.key)
      assert.equal(toHex(context.schedule.baseNonce), VECTOR.base_nonce)
      assert.equal(toHex(context.schedule.exporterSecret), VECTOR.exporter_secret)
    }
  })

  it('seals and opens the published sequence of messages (numbers 0, 1, 2, 4, 255, 256)', () => {
    const { context: sender } = setupBaseSender(hex(VECTOR.pkRm), hex(VECTOR.info), hex(VECTOR.ikmE))
    const recipient = setupBaseRecipient(hex(VECTOR.enc), hex(VECTOR.skRm), hex(VECTOR.info))
    let sequence = 0
    for (const encryption of VECTOR.encryptions) {
      // skip the sequence numbers the RFC does not list, on both sides
      for (; sequence < encryption.sequence; sequence++) {
        recipient.open(utf8('skip'), sender.seal(utf8('skip'), new Uint8Array(0)))
      }
      const ct = sender.seal(hex(encryption.aad), hex(encryption.pt))
      assert.equal(toHex(ct), encryption.ct, `sequence ${encryption.sequence}`)
      assert.equal(toHex(recipient.open(hex(encryption.aad), ct)), encryption.pt)
      sequence++
    }
  })

  it('exports the published values', () => {
    const recipient = setupBaseRecipient(hex(VECTOR.enc), hex(VECTOR.skRm), hex(VECTOR.info))
    for (const exported of VECTOR.exports) {
      assert.equal(toHex(recipient.export(hex(exported.exporter_context), exported.L)), exported.exported_value)
    }
  })
})

describe('HPKE single-shot seal and open', () => {
  it('round-trips any message, and a fresh ephemeral key makes every encryption different', () => {
    const recipient = generateKeyPair()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 40 }), (plaintext, aad) => {
        const info = utf8('test')
        const first = sealBase(recipient.publicKey, info, aad, plaintext)
        const second = sealBase(recipient.publicKey, info, aad, plaintext)
        assert.notDeepEqual(first.enc, second.enc)
        assert.deepEqual(openBase(first.enc, recipient.secretKey, info, aad, first.ciphertext), plaintext)
      }),
      { numRuns: 30 },
    )
  })

  it('refuses a wrong key, a changed ciphertext, aad, info or enc, and a truncated ciphertext', () => {
    const recipient = generateKeyPair()
    const other = generateKeyPair()
    const info = utf8('info')
    const aad = utf8('aad')
    const { enc, ciphertext } = sealBase(recipient.publicKey, info, aad, utf8('secret message'))
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(enc, other.secretKey, info, aad, ciphertext))
    const flipped = Uint8Array.from(ciphertext)
    flipped[3]! ^= 1
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(enc, recipient.secretKey, info, aad, flipped))
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(enc, recipient.secretKey, info, utf8('aaD'), ciphertext))
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(enc, recipient.secretKey, utf8('inf0'), aad, ciphertext))
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(other.publicKey, recipient.secretKey, info, aad, ciphertext))
    expectHpkeError('HPKE_ERROR_OPEN_FAILED', () => openBase(enc, recipient.secretKey, info, aad, ciphertext.subarray(0, 10)))
  })

  it('refuses keys of the wrong length and public keys of small order', () => {
    const recipient = generateKeyPair()
    expectHpkeError('HPKE_ERROR_BAD_LENGTH', () => sealBase(new Uint8Array(31), utf8(''), utf8(''), utf8('x')))
    expectHpkeError('HPKE_ERROR_BAD_LENGTH', () => openBase(new Uint8Array(33), recipient.secretKey, utf8(''), utf8(''), new Uint8Array(16)))
    // u = 0 and u = 1 are points of small order: every secret key gives the all-zero result
    expectHpkeError('HPKE_ERROR_BAD_PUBLIC_KEY', () => sealBase(new Uint8Array(32), utf8(''), utf8(''), utf8('x')))
    const one = new Uint8Array(32)
    one[0] = 1
    expectHpkeError('HPKE_ERROR_BAD_PUBLIC_KEY', () => openBase(one, recipient.secretKey, utf8(''), utf8(''), new Uint8Array(16)))
  })
})
