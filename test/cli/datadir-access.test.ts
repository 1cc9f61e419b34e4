/**
 * Bad places for a data dir: a file, a path through a file, a directory this user cannot read,
 * a full disk. Each gets one line naming the problem and the fix, exit 1, the same code with
 * `--json`, and nothing half-written. The unreadable case runs `chain` as `nobody` when the
 * tests run as root (root reads everything); the full disk is a small tmpfs mounted for the
 * test (root only), unmounted after.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CHAIN_BIN, cleanEnv, GOOD_PASSWORD, runChain, secretFile, tempDir, type RunResult } from '../helpers/cli.js'

const NOBODY_UID = 65534
const NOBODY_GID = 65534
/** Room for the directories but not for a keystore file. */
const FULL_DISK_BYTES = 64 * 1024

let dir: { path: string; remove: () => Promise<void> }
let file: string
let password: string

const isRoot = process.getuid?.() === 0

before(async () => {
  dir = await tempDir('datadir-access')
  // `nobody` must reach the test's files.
  await chmod(dir.path, 0o755)
  file = join(dir.path, 'a-file')
  await writeFile(file, 'not a data dir\n')
  password = await secretFile(dir.path, 'password', `${GOOD_PASSWORD}\n`)
  await chmod(password, 0o644)
})
after(async () => dir.remove())

/** The one line of a failed run, and its `--json` code, for `args` on `datadir`. */
async function failBothWays(args: string[], datadir: string, run = runChain): Promise<{ line: string; code: string }> {
  const text = await run([...args, '--datadir', datadir])
  assert.equal(text.code, 1, text.stderr)
  const lines = text.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('(node:') && !line.startsWith('(Use `node'))
  assert.equal(lines.length, 1, `one line: ${text.stderr}`)
  const json = await run([...args, '--datadir', datadir, '--json'])
  assert.equal(json.code, 1, json.stderr)
  const { error } = JSON.parse(json.stdout) as { error: { code: string; message: string } }
  assert.equal(`Error: ${error.message}`, lines[0])
  return { line: lines[0]!, code: error.code }
}

describe('a data dir in a bad place', () => {
  it('is a file: every command says so and how to fix it', async () => {
    for (const args of [['account', 'list'], ['status'], ['init', '--password-file', password, '--light-kdf'], ['block', 'show']]) {
      const { line, code } = await failBothWays(args, file)
      assert.equal(code, 'DATADIR_ACCESS_ERROR_NOT_A_DIRECTORY', args.join(' '))
      assert.equal(line, `Error: the data dir ${file} is not a directory (it is a file): give --datadir a directory, or a path where one can be made`)
    }
  })

  it('lies under a file', async () => {
    const { line, code } = await failBothWays(['account', 'list'], join(file, 'sub'))
    assert.equal(code, 'DATADIR_ACCESS_ERROR_NOT_A_DIRECTORY')
    assert.match(line, /a part of its path is a file/)
  })

  it('cannot be read by this user', async (t) => {
    const datadir = join(dir.path, 'unreadable')
    await mkdir(datadir, { mode: 0o000 })
    await chmod(datadir, 0o000)
    const asUser = isRoot ? asNobody : runChain
    if (isRoot && spawnSync('setpriv', ['--version']).status !== 0) return t.skip('running as root without setpriv to become nobody')
    for (const args of [['account', 'list'], ['status']]) {
      const { line, code } = await failBothWays(args, datadir, asUser)
      assert.equal(code, 'DATADIR_ACCESS_ERROR_UNREADABLE')
      assert.equal(line, `Error: the data dir ${datadir} cannot be read by this user: fix its owner or permissions (chown, chmod u+rwx), or give another --datadir`)
    }
  })

  it('is on a full disk: one line, and no keystore or temporary file left', { skip: isRoot ? false : 'mounting a tmpfs needs root' }, async (t) => {
    const mount = join(dir.path, 'small-disk')
    await mkdir(mount)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${FULL_DISK_BYTES}`, 'tmpfs', mount], { encoding: 'utf8' })
    if (mounted.status !== 0) return t.skip(`cannot mount a tmpfs here: ${mounted.stderr.trim()}`)
    try {
      const datadir = join(mount, 'datadir')
      await mkdir(join(datadir, 'keystore'), { recursive: true })
      // Fill the disk: the last write fails with ENOSPC once it is full.
      await writeFile(join(mount, 'filler'), Buffer.alloc(FULL_DISK_BYTES)).catch(() => undefined)
      const { line, code } = await failBothWays(['init', '--password-file', password, '--light-kdf', '--no-mnemonic'], datadir)
      assert.equal(code, 'SYSTEM_ERROR_NO_SPACE')
      assert.match(line, new RegExp(`^Error: no space left on the disk of ${datadir}.*: free some space, or give another --datadir$`))
      assert.deepEqual(await readdir(join(datadir, 'keystore')), [], 'no keystore and no temporary file')
    } finally {
      spawnSync('umount', [mount])
    }
  })
})

/** `chain ARGS` as the user `nobody`, with a home of its own (oclif reads its config dir). */
function asNobody(args: string[]): Promise<RunResult> {
  const run = spawnSync('setpriv', [`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_GID}`, '--clear-groups', process.execPath, CHAIN_BIN, ...args], {
    env: cleanEnv({ HOME: dir.path }),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return Promise.resolve({ code: run.status, stdout: run.stdout, stderr: run.stderr })
}
