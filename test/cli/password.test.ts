/**
 * Password input: files (first line, either line ending, bounded), the environment, and the
 * strength rules for new passwords. The terminal prompt is tested for real in
 * test/commands/init.test.ts (a pseudo-terminal).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { failureOf } from '../../src/cli/failure.js'
import { PasswordError, readPassword, readSecretFile } from '../../src/cli/password.js'
import { passwordWeakness } from '../../src/cli/password-strength.js'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'chain-password-'))
})
after(async () => rm(root, { recursive: true, force: true }))
afterEach(() => {
  delete process.env.CHAIN_PASSWORD
  delete process.env.CHAIN_NEW_PASSWORD
})

/** zxcvbn's verdicts on the weak passwords used below (their wording is tested in the table at the end). */
const ABC_WEAKNESS = (await passwordWeakness('abc'))!
const QWERTY_WEAKNESS = (await passwordWeakness('qwertyuiop'))!
const EMPTY_WEAKNESS = (await passwordWeakness(''))!

async function file(name: string, text: string): Promise<string> {
  const path = join(root, name)
  await writeFile(path, text)
  return path
}

function passwordError(code: PasswordError['code'], exit: ExitCode, message: string, detail?: string): PasswordError {
  const error = new PasswordError(code, message, detail)
  assert.equal(failureOf(error).exit, exit)
  return error
}

describe('readPassword', () => {
  it("takes a file's first line, without its line ending", async () => {
    assert.equal(await readPassword({ passwordFile: await file('lf', 'first line pw\nsecond\n') }), 'first line pw')
    assert.equal(await readPassword({ passwordFile: await file('crlf', 'windows pw\r\nsecond') }), 'windows pw')
    assert.equal(await readPassword({ passwordFile: await file('bare', ' spaces kept ') }), ' spaces kept ')
  })

  it('prefers the file to the environment, and reads the variable it is told to', async () => {
    process.env.CHAIN_PASSWORD = 'from the environment'
    process.env.CHAIN_NEW_PASSWORD = 'the new one, from env'
    assert.equal(await readPassword(), 'from the environment')
    assert.equal(await readPassword({ passwordFile: await file('pref', 'from the file\n') }), 'from the file')
    assert.equal(await readPassword({ env: 'CHAIN_NEW_PASSWORD' }), 'the new one, from env')
  })

  it('refuses a weak new password from a file or the environment, with the reason', async () => {
    const weak = await file('weak', 'abc\n')
    await assert.rejects(
      readPassword({ passwordFile: weak, confirm: true }),
      passwordError('PASSWORD_ERROR_WEAK', ExitCode.Failure, `the password in ${weak} is too weak: ${ABC_WEAKNESS}`, ABC_WEAKNESS),
    )
    process.env.CHAIN_PASSWORD = 'qwertyuiop'
    await assert.rejects(
      readPassword({ confirm: true }),
      passwordError('PASSWORD_ERROR_WEAK', ExitCode.Failure, `the password in CHAIN_PASSWORD is too weak: ${QWERTY_WEAKNESS}`, QWERTY_WEAKNESS),
    )
    // Unlocking takes whatever the file was encrypted with.
    assert.equal(await readPassword({ passwordFile: weak }), 'abc')
  })

  it('takes an empty first line or an empty CHAIN_PASSWORD as the empty password, to read; refuses it for a new one', async () => {
    const empty = await file('empty', '\nsecond line')
    assert.equal(await readPassword({ passwordFile: empty }), '')
    assert.equal(await readPassword({ passwordFile: await file('nothing', '') }), '')
    const weakness = EMPTY_WEAKNESS
    await assert.rejects(readPassword({ passwordFile: empty, confirm: true }), passwordError('PASSWORD_ERROR_WEAK', ExitCode.Failure, `the password in ${empty} is too weak: ${weakness}`, weakness))
    process.env.CHAIN_PASSWORD = ''
    assert.equal(await readPassword(), '')
    await assert.rejects(readPassword({ confirm: true }), passwordError('PASSWORD_ERROR_WEAK', ExitCode.Failure, `the password in CHAIN_PASSWORD is too weak: ${weakness}`, weakness))
  })

  it('refuses missing and oversized files, naming them', async () => {
    const missing = join(root, 'missing')
    await assert.rejects(readPassword({ passwordFile: missing }), passwordError('PASSWORD_ERROR_BAD_FILE', ExitCode.Failure, `${missing}: no such file`, 'no such file'))
    const large = await file('large', 'x'.repeat(5000))
    await assert.rejects(
      readPassword({ passwordFile: large }),
      passwordError('PASSWORD_ERROR_BAD_FILE', ExitCode.Failure, `${large}: larger than 4096 bytes, not a password file`),
    )
    await assert.rejects(readSecretFile('/dev/zero', 'recovery phrase'), { message: '/dev/zero: larger than 4096 bytes, not a recovery phrase' })
  })
})

describe('passwordWeakness: zxcvbn judges, score 3 of 4 or more passes', () => {
  const refused: [string, RegExp][] = [
    ['', /^score 0 of 4, about 1 guesses, less than a second to crack offline\. /],
    ['password', /^This is a heavily used password; score 0 of 4, /],
    ['P@ssw0rd', /^This is similar to a commonly used password; score 0 of 4, .*Avoid predictable letter substitutions/],
    ['aaaaaaaaaaaa', /^Repeated characters like "aaa" are easy to guess; score 0 of 4, /],
    ['abcabcabcabc', /^Repeated character patterns like "abcabcabc" are easy to guess; /],
    ['qwertyuiop', /^This is a frequently used password; /],
    ['seven77', /^score 1 of 4, /],
    ['8 chars!', /^score 2 of 4, about 10\^8 guesses, 3 hours to crack offline\. /],
  ]
  for (const [password, reason] of refused) {
    it(`refuses ${JSON.stringify(password)} with zxcvbn's warning, estimate and advice`, async () => assert.match((await passwordWeakness(password)) ?? 'accepted', reason))
  }
  for (const password of ['correct horse battery staple', 'mot de passe très long', 'an entirely new passphrase', 'Tr0ub4dor&3']) {
    it(`accepts ${JSON.stringify(password)}`, async () => assert.equal(await passwordWeakness(password), undefined))
  }
})
