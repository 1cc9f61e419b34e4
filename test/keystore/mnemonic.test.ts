/**
 * Recovery phrases: SLIP-0010's published ed25519 vectors, the fixed derivation path pinned
 * against an independent computation, and refusal of phrases that are not BIP39.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import fc from 'fast-check'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { fromHex, toHex } from '../../src/encoding/bytes.js'
import { KeystoreError } from '../../src/keystore/errors.js'
import {
  checkMnemonic,
  deriveSlip10Ed25519,
  generateMnemonic,
  normalizeMnemonic,
  parsePath,
  secretKeyFromMnemonic,
} from '../../src/keystore/mnemonic.js'

interface Slip10Vectors {
  readonly vectors: { seed: string; chains: { path: string; chainCode: string; private: string; public: string }[] }[]
}

/** SLIP-0010's ed25519 test vectors 1 and 2 (test/fixtures/keystore/README.md). */
const SLIP10 = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/keystore/slip10_ed25519_vectors.json', import.meta.url), 'utf8'),
) as Slip10Vectors

/**
 * BIP39's all-zero-entropy 24-word phrase, and the key at m/44'/1'/0'/0'/0' computed
 * independently (Python's hashlib PBKDF2 and HMAC, the `cryptography` package's Ed25519):
 * pins the documented path so that it never changes by accident.
 */
const ZERO_PHRASE = `${'abandon '.repeat(23)}art`
const ZERO_PHRASE_SECRET = '99da0b339e5c3e3dddd59678b52a7c7e5f9e02bd07af4e220cd69228766bcddb'
const ZERO_PHRASE_PUBLIC = '811b322f9c28877bf9f543a8e8db1f3c4fd45a6ccc6cadf315499893d49b8299'

function badMnemonic(detail: string, message: string): KeystoreError {
  return new KeystoreError('KEYSTORE_ERROR_BAD_MNEMONIC', { detail }, message)
}

describe('SLIP-0010 ed25519 derivation', () => {
  for (const [index, vector] of SLIP10.vectors.entries()) {
    for (const chain of vector.chains) {
      it(`vector ${index + 1}, ${chain.path}`, () => {
        const node = deriveSlip10Ed25519(fromHex(vector.seed)!, chain.path)
        assert.equal(toHex(node.key), chain.private)
        assert.equal(toHex(node.chainCode), chain.chainCode)
        assert.equal(`00${toHex(publicKeyOf(node.key))}`, chain.public)
      })
    }
  }

  it('refuses paths that are not all hardened', () => {
    assert.throws(() => parsePath("m/44'/1"), { name: 'TypeError', message: "derivation path m/44'/1: expected hardened indices like 0', got 1" })
    assert.throws(() => parsePath("44'/1'"), { name: 'TypeError', message: "derivation path 44'/1': expected it to start with m" })
    assert.throws(() => parsePath("m/2147483648'"), {
      name: 'TypeError',
      message: "derivation path m/2147483648': expected hardened indices like 0', got 2147483648'",
    })
  })
})

describe('recovery phrases', () => {
  it('derive the documented key at m/44\'/1\'/0\'/0\'/0\'', () => {
    const secret = secretKeyFromMnemonic(ZERO_PHRASE)
    assert.equal(toHex(secret), ZERO_PHRASE_SECRET)
    assert.equal(toHex(publicKeyOf(secret)), ZERO_PHRASE_PUBLIC)
  })

  it('are 24 valid BIP39 words, different each time', () => {
    const a = generateMnemonic()
    const b = generateMnemonic()
    assert.equal(a.split(' ').length, 24)
    assert.ok(validateMnemonic(a, wordlist))
    assert.notEqual(a, b)
  })

  it('give the same key however they are typed (case, spaces, new lines)', () => {
    const typed = `  ${ZERO_PHRASE.toUpperCase().replaceAll(' ', '\n\t ')}  \n`
    assert.equal(normalizeMnemonic(typed), ZERO_PHRASE)
    assert.equal(toHex(secretKeyFromMnemonic(typed)), ZERO_PHRASE_SECRET)
  })

  it('are refused when not BIP39, with the reason', () => {
    const words = ZERO_PHRASE.split(' ')
    assert.throws(
      () => checkMnemonic(words.slice(0, 23).join(' ')),
      badMnemonic('23 words', 'invalid recovery phrase: expected 12, 15, 18, 21 or 24 words, got 23'),
    )
    assert.throws(() => checkMnemonic(''), badMnemonic('0 words', 'invalid recovery phrase: expected 12, 15, 18, 21 or 24 words, got 0'))
    assert.throws(
      () => checkMnemonic([...words.slice(0, 5), 'abandonn', ...words.slice(6)].join(' ')),
      badMnemonic('word 6', 'invalid recovery phrase: word 6 is not in the BIP39 English list'),
    )
    assert.throws(
      () => checkMnemonic([...words.slice(0, 23), 'abandon'].join(' ')),
      badMnemonic('checksum', 'invalid recovery phrase: the checksum does not match (a word is wrong or out of order)'),
    )
  })

  it('detect any single changed word (property)', () => {
    const words = generateMnemonic().split(' ')
    fc.assert(
      fc.property(fc.nat(23), fc.nat(2047), (position, replacement) => {
        const changed = [...words]
        changed[position] = wordlist[replacement]!
        if (changed[position] === words[position]) return
        // BIP39's 8-bit checksum misses 1 change in 256: the key then differs instead.
        try {
          const key = secretKeyFromMnemonic(changed.join(' '))
          assert.notEqual(toHex(key), toHex(secretKeyFromMnemonic(words.join(' '))))
        } catch (error) {
          assert.ok(error instanceof KeystoreError && error.code === 'KEYSTORE_ERROR_BAD_MNEMONIC')
        }
      }),
      { numRuns: 50 },
    )
  })
})
