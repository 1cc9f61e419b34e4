/**
 * The v3 container: go-ethereum's published vectors, round trips (with ours and with ethers,
 * an independent implementation), and refusal of malformed or hostile files, each with the
 * whole error payload.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { decryptKeystoreJson } from 'ethers'
import fc from 'fast-check'
import { toHex } from '../../src/encoding/bytes.js'
import { MAX_KEYSTORE_FILE_BYTES } from '../../src/keystore/constants.js'
import { KeystoreError } from '../../src/keystore/errors.js'
import { decryptKeystore, encryptKeystore, parseKeystore, serializeKeystore } from '../../src/keystore/v3.js'

interface Vector {
  readonly json: Record<string, unknown>
  readonly password: string
  readonly priv: string
}

/** go-ethereum's accounts/keystore/testdata/v3_test_vector.json (test/fixtures/keystore/README.md). */
const VECTORS = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/keystore/v3_test_vector.json', import.meta.url), 'utf8'),
) as Record<string, Vector>

const OWNER = { participant: 'ch1-not-checked-here', publicKey: new Uint8Array(32).fill(7) }

/** A copy of a vector's JSON with one field replaced (`undefined` deletes it). */
function edited(json: Record<string, unknown>, path: string[], value: unknown): string {
  const copy = structuredClone(json)
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  if (value === undefined) delete node[path.at(-1)!]
  else node[path.at(-1)!] = value
  return JSON.stringify(copy)
}

function corrupt(detail: string): KeystoreError {
  return new KeystoreError('KEYSTORE_ERROR_CORRUPT', { detail }, `corrupt keystore: ${detail}`)
}

function incompatible(detail: string): KeystoreError {
  return new KeystoreError('KEYSTORE_ERROR_INCOMPATIBLE', { detail }, `unsupported keystore: ${detail}`)
}

/** assert.throws that compares the class, code, data and message of a KeystoreError. */
function assertKeystoreError(run: () => unknown, expected: KeystoreError): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeystoreError, `expected a KeystoreError, got ${String(error)}`)
    assert.deepEqual({ code: error.code, data: error.data, message: error.message }, {
      code: expected.code,
      data: expected.data,
      message: expected.message,
    })
    return true
  })
}

describe('go-ethereum v3 test vectors', () => {
  for (const [name, vector] of Object.entries(VECTORS)) {
    it(`decrypts ${name}`, async () => {
      const plaintext = await decryptKeystore(parseKeystore(JSON.stringify(vector.json)), vector.password)
      assert.equal(toHex(plaintext), vector.priv)
    })

    it(`reports a wrong password for ${name}, and a flipped ciphertext bit as one too`, async () => {
      const keystore = parseKeystore(JSON.stringify(vector.json))
      await assert.rejects(decryptKeystore(keystore, `${vector.password}x`), KeystoreError.wrongPassword())
      const flipped = Uint8Array.from(keystore.ciphertext)
      flipped[0]! ^= 1
      await assert.rejects(decryptKeystore({ ...keystore, ciphertext: flipped }, vector.password), {
        code: 'KEYSTORE_ERROR_WRONG_PASSWORD',
        message: 'wrong password',
      })
    })
  }
})

describe('an empty password (ethers wrote the file)', () => {
  const EMPTY = JSON.parse(
    readFileSync(new URL('../../../test/fixtures/keystore/empty_password_ethers.json', import.meta.url), 'utf8'),
  ) as Record<string, { json: object; password: string; priv: string }>
  const vector = EMPTY.empty_password_ethers!

  it('decrypts with the empty password, and no other', async () => {
    assert.equal(vector.password, '')
    const keystore = parseKeystore(JSON.stringify(vector.json))
    assert.equal(toHex(await decryptKeystore(keystore, '')), vector.priv)
    await assert.rejects(decryptKeystore(keystore, ' '), KeystoreError.wrongPassword())
  })
})

describe('files chain writes', () => {
  it('round-trip any 32-byte key and password (light kdf)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 40 }), async (key, password) => {
        const json = await encryptKeystore(key, password, OWNER, { lightKdf: true })
        const parsed = parseKeystore(serializeKeystore(json))
        assert.deepEqual(await decryptKeystore(parsed, password), key)
      }),
      { numRuns: 15 },
    )
  })

  it('carry version 3, a v4 uuid, the owner fields, and the light or standard scrypt parameters', async () => {
    const key = new Uint8Array(32).fill(1)
    const light = await encryptKeystore(key, 'pw', OWNER, { lightKdf: true })
    assert.equal(light.version, 3)
    assert.match(light.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(light.participant, OWNER.participant)
    assert.equal(light.publicKey, '07'.repeat(32))
    assert.deepEqual(
      { ...light.crypto.kdfparams, salt: light.crypto.kdfparams.salt.length },
      { dklen: 32, n: 4096, r: 8, p: 6, salt: 64 },
    )
    assert.equal(light.crypto.cipherparams.iv.length, 32)
    // The default is what this test is about: geth's standard N = 2^18, r = 8, p = 1.
    const standard = await encryptKeystore(key, 'pw', OWNER)
    assert.deepEqual([standard.crypto.kdfparams.n, standard.crypto.kdfparams.r, standard.crypto.kdfparams.p], [262144, 8, 1])
    assert.deepEqual(await decryptKeystore(parseKeystore(serializeKeystore(standard)), 'pw'), key)
  })

  it('decrypt with ethers (an independent implementation) to the same secret bytes', async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 3)
    const password = 'correct horse battery staple ✓'
    const json = await encryptKeystore(key, password, OWNER, { lightKdf: true })
    // ethers checks an `address` field against its own secp256k1 address; ours has none.
    assert.equal('address' in json, false)
    const account = await decryptKeystoreJson(serializeKeystore(json), password)
    assert.equal(account.privateKey, `0x${toHex(key)}`)
  })

  it('use a fresh salt and iv each time', async () => {
    const key = new Uint8Array(32)
    const a = await encryptKeystore(key, 'pw', OWNER, { lightKdf: true })
    const b = await encryptKeystore(key, 'pw', OWNER, { lightKdf: true })
    assert.notEqual(a.crypto.kdfparams.salt, b.crypto.kdfparams.salt)
    assert.notEqual(a.crypto.cipherparams.iv, b.crypto.cipherparams.iv)
    assert.notEqual(a.id, b.id)
  })
})

describe('malformed and hostile files are refused before any work, naming the problem', () => {
  const scrypt = VECTORS['31_byte_key']!.json
  const pbkdf2 = VECTORS.wikipage_test_vector_pbkdf2!.json

  const cases: [string, string, KeystoreError][] = [
    ['empty', '', corrupt('empty file')],
    ['truncated', JSON.stringify(scrypt).slice(0, 100), corrupt('not JSON (truncated or not a keystore)')],
    ['not an object', '[1,2]', corrupt('the file: expected an object, got an array')],
    ['version 1', edited(scrypt, ['version'], 1), incompatible('version: expected 3, got 1')],
    ['version as a string', edited(scrypt, ['version'], '3'), incompatible('version: expected 3, got "3"')],
    ['no crypto', edited(scrypt, ['crypto'], undefined), corrupt('crypto: expected an object, got nothing')],
    ['unknown cipher', edited(scrypt, ['crypto', 'cipher'], 'aes-128-cbc'), incompatible('crypto.cipher: expected aes-128-ctr, got "aes-128-cbc"')],
    ['short iv', edited(scrypt, ['crypto', 'cipherparams', 'iv'], '00'), corrupt('crypto.cipherparams.iv: expected 16 bytes of hex, got 1 bytes')],
    ['iv not hex', edited(scrypt, ['crypto', 'cipherparams', 'iv'], 'zz'), corrupt('crypto.cipherparams.iv: expected 16 bytes of hex, got a string of 2 characters')],
    ['empty ciphertext', edited(scrypt, ['crypto', 'ciphertext'], ''), corrupt('crypto.ciphertext: expected 1 to 64 bytes of hex, got 0 bytes')],
    ['long ciphertext', edited(scrypt, ['crypto', 'ciphertext'], '00'.repeat(65)), corrupt('crypto.ciphertext: expected 1 to 64 bytes of hex, got 65 bytes')],
    ['mac as a number', edited(scrypt, ['crypto', 'mac'], 5), corrupt('crypto.mac: expected 32 bytes of hex, got the number 5')],
    ['unknown kdf', edited(scrypt, ['crypto', 'kdf'], 'argon2id'), incompatible('crypto.kdf: expected scrypt or pbkdf2, got "argon2id"')],
    ['dklen 64', edited(scrypt, ['crypto', 'kdfparams', 'dklen'], 64), incompatible('kdfparams.dklen: expected 32, got 64')],
    ['n not a power of 2', edited(scrypt, ['crypto', 'kdfparams', 'n'], 3), incompatible('kdfparams.n: expected a power of 2 from 2 to 4194304, got 3')],
    ['n = 2^30', edited(scrypt, ['crypto', 'kdfparams', 'n'], 2 ** 30), incompatible('kdfparams.n: expected a power of 2 from 2 to 4194304, got 1073741824')],
    ['n fractional', edited(scrypt, ['crypto', 'kdfparams', 'n'], 2.5), corrupt('kdfparams.n: expected an integer, got the number 2.5')],
    ['r = 33', edited(scrypt, ['crypto', 'kdfparams', 'r'], 33), incompatible('kdfparams.r: expected an integer from 1 to 32, got 33')],
    ['p = 17', edited(scrypt, ['crypto', 'kdfparams', 'p'], 17), incompatible('kdfparams.p: expected an integer from 1 to 16, got 17')],
    ['p = 0', edited(scrypt, ['crypto', 'kdfparams', 'p'], 0), incompatible('kdfparams.p: expected an integer from 1 to 16, got 0')],
    ['empty salt', edited(scrypt, ['crypto', 'kdfparams', 'salt'], ''), corrupt('kdfparams.salt: expected 1 to 1024 bytes of hex, got 0 bytes')],
    ['unknown prf', edited(pbkdf2, ['crypto', 'kdfparams', 'prf'], 'hmac-sha512'), incompatible('kdfparams.prf: expected hmac-sha256, got "hmac-sha512"')],
    ['c = 2^30', edited(pbkdf2, ['crypto', 'kdfparams', 'c'], 2 ** 30), incompatible('kdfparams.c: expected an integer from 1 to 16777216, got 1073741824')],
    ['oversized', ' '.repeat(MAX_KEYSTORE_FILE_BYTES + 1), corrupt(`larger than ${MAX_KEYSTORE_FILE_BYTES} bytes`)],
  ]
  for (const [name, text, expected] of cases) {
    it(name, () => assertKeystoreError(() => parseKeystore(text), expected))
  }

  it('n = 2^22 with r = 32 (16 GiB of memory, each within its own limit)', () => {
    const text = JSON.stringify({
      ...scrypt,
      crypto: { ...(scrypt.crypto as object), kdfparams: { dklen: 32, n: 2 ** 22, r: 32, p: 1, salt: '00' } },
    })
    assertKeystoreError(
      () => parseKeystore(text),
      incompatible('kdfparams n and r: expected at most 4294967296 bytes of scrypt memory (128·n·r), got 17179869184'),
    )
  })

  it('names the file when there is one', () => {
    assertKeystoreError(
      () => parseKeystore('{', '/tmp/x.json'),
      new KeystoreError('KEYSTORE_ERROR_CORRUPT', { path: '/tmp/x.json', detail: 'not JSON (truncated or not a keystore)' }, '/tmp/x.json: corrupt keystore: not JSON (truncated or not a keystore)'),
    )
  })

  it('accepts the old `Crypto` spelling of Mist files', async () => {
    const vector = VECTORS['30_byte_key']!
    const { crypto, ...rest } = vector.json
    const plaintext = await decryptKeystore(parseKeystore(JSON.stringify({ ...rest, Crypto: crypto })), vector.password)
    assert.equal(toHex(plaintext), vector.priv)
  })

  it('never throws anything but a KeystoreError on arbitrary JSON-ish text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify({ version: 3, crypto: value }))), (text) => {
        try {
          parseKeystore(text)
        } catch (error) {
          assert.ok(error instanceof KeystoreError, String(error))
        }
      }),
      { numRuns: 300 },
    )
  })
})
