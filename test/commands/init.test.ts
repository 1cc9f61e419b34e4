/**
 * `chain init`: unattended (password file, environment) and the interactive wizard, driven in
 * a real pseudo-terminal: hidden password typed twice, a weak one refused, the recovery
 * phrase shown, three words checked, the keystore written where it says.
 */
import assert from 'node:assert/strict'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { ACCOUNT_FILE_PATTERN } from '../../src/keystore/constants.js'
import {
  errorLine,
  GOOD_PASSWORD,
  havePython3Pty,
  PtySession,
  runChain,
  secretFile,
  tempDir,
  readWizardPhrase,
} from '../helpers/cli.js'

let dir: { path: string; remove: () => Promise<void> }
let passwordFile: string

before(async () => {
  dir = await tempDir('init')
  passwordFile = await secretFile(dir.path, 'password.txt', `${GOOD_PASSWORD}\n`)
})
after(async () => dir.remove())

describe('chain init, unattended', () => {
  it('creates the identity and prints id, public key, keystore and phrase as JSON', async () => {
    const datadir = join(dir.path, 'unattended')
    const run = await runChain(['init', '--datadir', datadir, '--password-file', passwordFile, '--light-kdf', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout) as Record<string, string>
    assert.deepEqual(Object.keys(result).sort(), ['id', 'keystore', 'mnemonic', 'publicKey'])
    assert.match(result.id!, /^ch1[02-9ac-hj-np-z]{38}$/)
    assert.match(result.publicKey!, /^[0-9a-f]{64}$/)
    assert.equal(result.mnemonic!.split(' ').length, 24)
    assert.ok(validateMnemonic(result.mnemonic!, wordlist))
    const files = await readdir(join(datadir, 'keystore'))
    assert.deepEqual(files, [result.keystore!.slice(result.keystore!.lastIndexOf('/') + 1)])
    assert.match(files[0]!, ACCOUNT_FILE_PATTERN)
    assert.equal((await stat(join(datadir, 'keystore'))).mode & 0o777, 0o700)
    assert.equal((await stat(result.keystore!)).mode & 0o777, 0o600)
  })

  it('refuses to run where an identity exists, naming it and `chain account new`', async () => {
    const datadir = join(dir.path, 'twice')
    const first = await runChain(['init', '--datadir', datadir, '--light-kdf', '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
    assert.equal(first.code, 0, first.stderr)
    const { id } = JSON.parse(first.stdout) as { id: string }
    const second = await runChain(['init', '--datadir', datadir, '--light-kdf'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
    assert.equal(second.code, 1)
    assert.equal(
      errorLine(second.stderr),
      `an identity already exists in ${datadir} (${id}); add another account with \`chain account new\``,
    )
    assert.equal((await readdir(join(datadir, 'keystore'))).length, 1)
  })

  it('leaves the phrase out with --no-mnemonic', async () => {
    const datadir = join(dir.path, 'no-mnemonic')
    const run = await runChain(['init', '--datadir', datadir, '--password-file', passwordFile, '--light-kdf', '--no-mnemonic', '--json'])
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(Object.keys(JSON.parse(run.stdout) as object).sort(), ['id', 'keystore', 'publicKey'])
  })

  it('without a terminal, file or CHAIN_PASSWORD, says how to give a password (exit 2)', async () => {
    const datadir = join(dir.path, 'no-source')
    const run = await runChain(['init', '--datadir', datadir, '--light-kdf'])
    assert.equal(run.code, 2)
    assert.equal(errorLine(run.stderr), 'a password is needed: give --password-file FILE, set CHAIN_PASSWORD, or run in a terminal to be asked')
    await assert.rejects(readdir(join(datadir, 'keystore')), { code: 'ENOENT' })
  })

  it('refuses a weak password from a file with the reason, writing nothing', async () => {
    const datadir = join(dir.path, 'weak')
    const weak = await secretFile(dir.path, 'weak.txt', 'password\n')
    const run = await runChain(['init', '--datadir', datadir, '--password-file', weak, '--light-kdf'])
    assert.equal(run.code, 1)
    assert.match(errorLine(run.stderr), new RegExp(`^the password in ${weak} is too weak: This is a heavily used password; score 0 of 4, `))
    await assert.rejects(readdir(join(datadir, 'keystore')), { code: 'ENOENT' })
  })
})

describe('chain init, the wizard in a pseudo-terminal', { skip: havePython3Pty() ? false : 'python3 with pty is not available' }, () => {
  it('asks twice for a hidden password, shows and checks the phrase, writes the keystore', async () => {
    const datadir = join(dir.path, 'wizard')
    const session = new PtySession(['init', '--datadir', datadir, '--light-kdf'])
    try {
      await session.expect('Choose a password: ')
      await session.send('tiny1\r')
      // zxcvbn's estimate and advice, then the question again
      await session.expect('Too weak: score 1 of 4, about \\d+ guesses, \\d+ seconds? to crack offline\\. Add more words that are less common\\. Try another\\.')
      await session.expect('Choose a password: ')
      await session.send(`${GOOD_PASSWORD}\r`)
      await session.expect('Repeat it: ')
      await session.send('correct horse battery stapler\r')
      await session.expect('The two passwords differ\\. Try again\\.')
      await session.expect('Choose a password: ')
      await session.send(`${GOOD_PASSWORD}\r`)
      await session.expect('Repeat it: ')
      await session.send(`${GOOD_PASSWORD}\r`)
      await session.expect('Password strength: score 4 of 4, about 10\\^\\d+ guesses, centuries to crack offline \\(zxcvbn\\)\\.')

      const { id, words } = await readWizardPhrase(session)
      const mnemonic = words.join(' ')
      assert.ok(validateMnemonic(mnemonic, wordlist))
      await session.send('\r')

      // The first word asked is answered wrong once: it is asked again.
      const [first] = await session.expect('Word #(\\d+): ')
      await session.send('zzz\r')
      await session.expect(`That is not word #${first}\\. Look again at what you wrote\\.`)
      await session.expect(`Word #${first}: `)
      await session.send(`${words[Number(first) - 1]}\r`)
      for (let i = 0; i < 2; i++) {
        const [position] = await session.expect('Word #(\\d+): ')
        await session.send(`${words[Number(position) - 1]}\r`)
      }
      await session.expect('Confirmed\\.')
      const [keystore] = await session.expect('keystore +(\\S+)')
      assert.equal(await session.wait(), 0)

      // Nothing typed at a hidden prompt was echoed; after the screen was cleared, the
      // phrase did not appear again.
      assert.ok(!session.output.includes(GOOD_PASSWORD), 'the password was echoed')
      assert.ok(!session.output.includes('tiny1'), 'the weak password was echoed')
      const afterClear = session.output.slice(session.output.lastIndexOf('\u001b[2J'))
      assert.ok(!afterClear.includes(`1. ${words[0]}`), 'the phrase was shown again')

      // The keystore is where the wizard said, for the id it showed, and unlocks.
      assert.match(keystore!, new RegExp(`${datadir}/keystore/UTC--.*--${id}$`))
      assert.equal((await stat(keystore!)).mode & 0o777, 0o600)
      const show = await runChain(['account', 'show', '--datadir', datadir, '--json'])
      assert.equal(show.code, 0, show.stderr)
      assert.equal((JSON.parse(show.stdout) as { id: string }).id, id)

      // And the phrase on screen rebuilds the same identity.
      const phrase = await secretFile(dir.path, 'wizard-phrase.txt', `${mnemonic}\n`)
      const recovered = await runChain(
        ['account', 'recover', '--datadir', join(dir.path, 'wizard-recovered'), '--mnemonic-file', phrase, '--light-kdf', '--json'],
        { env: { CHAIN_PASSWORD: GOOD_PASSWORD } },
      )
      assert.equal(recovered.code, 0, recovered.stderr)
      assert.equal((JSON.parse(recovered.stdout) as { id: string }).id, id)
    } finally {
      session.close()
    }
  })

  it('writes nothing when the phrase is not confirmed', async () => {
    const datadir = join(dir.path, 'wizard-unconfirmed')
    const session = new PtySession(['init', '--datadir', datadir, '--light-kdf'])
    try {
      await session.expect('Choose a password: ')
      await session.send(`${GOOD_PASSWORD}\r`)
      await session.expect('Repeat it: ')
      await session.send(`${GOOD_PASSWORD}\r`)
      await session.expect('Press Enter once they are written down\\. ')
      await session.send('\r')
      for (let i = 0; i < 3; i++) {
        await session.expect('Word #\\d+: ')
        await session.send('zzz\r')
      }
      await session.expect('the recovery phrase was not confirmed; nothing was written')
      assert.equal(await session.wait(), 1)
      await assert.rejects(readdir(join(datadir, 'keystore')), { code: 'ENOENT' })
    } finally {
      session.close()
    }
  })

  // Ctrl-C at each question of the wizard: exit 130, the phrase cleared if it was shown, no keystore.
  const PROMPTS = ['Choose a password', 'Repeat it', 'Press Enter', 'first word', 'second word', 'third word'] as const
  for (const [index, prompt] of PROMPTS.entries()) {
    it(`cancels on Ctrl-C at "${prompt}": exit 130, phrase cleared, nothing written`, async () => {
      const datadir = join(dir.path, `wizard-cancelled-${index}`)
      const session = new PtySession(['init', '--datadir', datadir, '--light-kdf'])
      try {
        let words: string[] = []
        await session.expect('Choose a password: ')
        if (index > 0) {
          await session.send(`${GOOD_PASSWORD}\r`)
          await session.expect('Repeat it: ')
        }
        if (index > 1) {
          await session.send(`${GOOD_PASSWORD}\r`)
          words = (await readWizardPhrase(session)).words
        }
        for (let word = 3; word <= index; word++) {
          // Answer the words before the one to interrupt rightly.
          if (word === 3) await session.send('\r')
          const [position] = await session.expect('Word #(\\d+): ')
          if (word < index) await session.send(`${words[Number(position) - 1]}\r`)
        }
        await session.send('\u0003')
        await session.expect('cancelled; nothing was written')
        assert.equal(await session.wait(), 130)
        await assert.rejects(readdir(join(datadir, 'keystore')), { code: 'ENOENT' })
        if (words.length > 0) {
          const afterClear = session.output.slice(session.output.lastIndexOf('\u001b[2J'))
          assert.ok(session.output.includes('\u001b[2J'), 'the screen was cleared')
          assert.ok(!afterClear.includes(`1. ${words[0]}`), 'the phrase stayed on the screen')
        }
      } finally {
        session.close()
      }
    })
  }
})
