/**
 * Key derivation: OpenSSL's scrypt and pbkdf2 agree with the `@noble/hashes` implementations
 * (the fallback for files outside RFC 7914's range), and limits are enforced before work.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pbkdf2 as noblePbkdf2 } from '@noble/hashes/pbkdf2.js'
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { KeystoreError } from '../../src/keystore/errors.js'
import { checkKdfParams, deriveKey } from '../../src/keystore/kdf.js'

describe('deriveKey', () => {
  it('scrypt equals @noble/hashes, inside and outside RFC 7914 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (password, salt, log2n, r, p) => {
          // r = 1 with n ≥ 2^16 would take the fallback; small n with r = 1 stays in OpenSSL.
          const n = 2 ** log2n
          const expected = nobleScrypt(password, salt, { N: n, r, p, dkLen: 32 })
          assert.deepEqual(await deriveKey(password, { kdf: 'scrypt', n, r, p, salt }), expected)
        },
      ),
      { numRuns: 30 },
    )
  })

  it('scrypt with r = 1 and n = 2^16 (refused by OpenSSL) equals @noble/hashes', async () => {
    const password = Uint8Array.of(1, 2, 3)
    const salt = Uint8Array.of(4, 5, 6)
    const expected = nobleScrypt(password, salt, { N: 2 ** 16, r: 1, p: 1, dkLen: 32 })
    assert.deepEqual(await deriveKey(password, { kdf: 'scrypt', n: 2 ** 16, r: 1, p: 1, salt }), expected)
  })

  it('pbkdf2-hmac-sha256 equals @noble/hashes', async () => {
    const password = Uint8Array.of(1, 2, 3)
    const salt = Uint8Array.of(4, 5, 6)
    const expected = noblePbkdf2(sha256, password, salt, { c: 1000, dkLen: 32 })
    assert.deepEqual(await deriveKey(password, { kdf: 'pbkdf2', c: 1000, salt }), expected)
  })

  it('refuses out-of-range parameters before computing', async () => {
    const salt = Uint8Array.of(1)
    await assert.rejects(
      deriveKey(new Uint8Array(0), { kdf: 'scrypt', n: 2 ** 23, r: 8, p: 1, salt }),
      new KeystoreError(
        'KEYSTORE_ERROR_INCOMPATIBLE',
        { detail: 'kdfparams.n: expected a power of 2 from 2 to 4194304, got 8388608' },
        'unsupported keystore: kdfparams.n: expected a power of 2 from 2 to 4194304, got 8388608',
      ),
    )
    assert.throws(
      () => checkKdfParams({ kdf: 'scrypt', n: 2, r: 1, p: 1, salt: new Uint8Array(1025) }, '/x'),
      new KeystoreError(
        'KEYSTORE_ERROR_INCOMPATIBLE',
        { path: '/x', detail: 'kdfparams.salt: expected 1 to 1024 bytes, got 1025' },
        '/x: unsupported keystore: kdfparams.salt: expected 1 to 1024 bytes, got 1025',
      ),
    )
    assert.throws(
      () => checkKdfParams({ kdf: 'pbkdf2', c: 0, salt }),
      new KeystoreError(
        'KEYSTORE_ERROR_INCOMPATIBLE',
        { detail: 'kdfparams.c: expected an integer from 1 to 16777216, got 0' },
        'unsupported keystore: kdfparams.c: expected an integer from 1 to 16777216, got 0',
      ),
    )
  })
})
