/**
 * The keystore's file handling: geth-style names that round-trip and order by time, atomic
 * writes that never replace a file nor leave a temporary one, and bounded reads.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { formatParticipantId } from '../../src/crypto/identity.js'
import { KeystoreError } from '../../src/keystore/errors.js'
import {
  accountFileName,
  ensureKeystoreDir,
  listAccountFiles,
  parseAccountFileName,
  readBoundedFile,
  writeNewFile,
} from '../../src/keystore/files.js'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'chain-files-'))
})
after(async () => rm(root, { recursive: true, force: true }))

const ID = formatParticipantId(new Uint8Array(20).fill(1))
/** Nanoseconds from 1970 to the end of 9999, the range of a four-digit year. */
const MAX_TIME_NS = 253402300799999999999n

describe('account file names', () => {
  it("look like geth's, with nanoseconds", () => {
    assert.equal(accountFileName(1714558830123456789n, ID), `UTC--2024-05-01T10-20-30.123456789Z--${ID}`)
  })

  it('parse back to the same time and id (property)', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, MAX_TIME_NS), fc.uint8Array({ minLength: 20, maxLength: 20 }), (timeNs, bytes) => {
        const id = formatParticipantId(bytes)
        assert.deepEqual(parseAccountFileName(accountFileName(timeNs, id)), { timeNs, id })
      }),
    )
  })

  it('sort by time as text does', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, MAX_TIME_NS), fc.bigInt(0n, MAX_TIME_NS), (a, b) => {
        const [nameA, nameB] = [accountFileName(a, ID), accountFileName(b, ID)]
        assert.equal(a < b, nameA < nameB)
      }),
    )
  })

  it('refuse other names, impossible dates and bad ids', () => {
    for (const name of [
      `UTC--2024-05-01T10-20-30.123456789Z--${ID}.json`,
      `UTC--2024-13-01T10-20-30.123456789Z--${ID}`,
      `UTC--2024-02-30T10-20-30.123456789Z--${ID}`,
      `UTC--2024-05-01T10-20-30.123Z--${ID}`,
      `UTC--2024-05-01T10-20-30.123456789Z--${ID.slice(0, -1)}b`,
      `.tmp-0011223344556677`,
    ]) {
      assert.equal(parseAccountFileName(name), undefined, name)
    }
  })
})

describe('writeNewFile', () => {
  it('writes a 0600 file and leaves no temporary file', async () => {
    const dir = join(root, 'write')
    await mkdir(dir)
    const path = await writeNewFile(dir, 'a', 'hello')
    assert.equal(await readFile(path, 'utf8'), 'hello')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(dir), ['a'])
  })

  it('never replaces an existing file', async () => {
    const dir = join(root, 'no-overwrite')
    await mkdir(dir)
    await writeFile(join(dir, 'a'), 'first')
    await assert.rejects(
      writeNewFile(dir, 'a', 'second'),
      new KeystoreError('KEYSTORE_ERROR_ALREADY_EXISTS', { path: join(dir, 'a') }, `${join(dir, 'a')} already exists; it was left untouched`),
    )
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'first')
    assert.deepEqual(await readdir(dir), ['a'])
  })

  it('under concurrent writers of one name, exactly one wins and its content is whole', async () => {
    const dir = join(root, 'race')
    await mkdir(dir)
    const texts = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(10_000))
    const results = await Promise.allSettled(texts.map((text) => writeNewFile(dir, 'same', text)))
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
    assert.ok(texts.includes(await readFile(join(dir, 'same'), 'utf8')))
    assert.deepEqual(await readdir(dir), ['same'])
  })
})

describe('the keystore directory', () => {
  it('is made 0700 whatever the umask, and listed oldest first', async () => {
    const datadir = join(root, 'datadir')
    const previous = process.umask(0)
    try {
      await ensureKeystoreDir(datadir)
    } finally {
      process.umask(previous)
    }
    const dir = join(datadir, 'keystore')
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    const newer = accountFileName(2_000_000_000_000_000_000n, ID)
    const older = accountFileName(1_000_000_000_000_000_000n, formatParticipantId(new Uint8Array(20).fill(2)))
    await writeFile(join(dir, newer), '{}')
    await writeFile(join(dir, older), '{}')
    assert.deepEqual((await listAccountFiles(datadir)).map((file) => file.name), [older, newer])
  })

  it('lists nothing where there is no keystore', async () => {
    assert.deepEqual(await listAccountFiles(join(root, 'nothing-here')), [])
  })
})

describe('readBoundedFile', () => {
  it('reads up to the bound and stops beyond it', async () => {
    const path = join(root, 'bounded')
    await writeFile(path, 'x'.repeat(100))
    assert.deepEqual(await readBoundedFile(path, 100), { text: 'x'.repeat(100) })
    assert.deepEqual(await readBoundedFile(path, 99), { tooLarge: true })
  })

  it('stops early on an endless file', async () => {
    assert.deepEqual(await readBoundedFile('/dev/zero', 4096), { tooLarge: true })
  })
})
