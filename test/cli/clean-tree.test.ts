/**
 * The quick start must leave a fresh clone clean: `npm ci` builds (the `prepare` script), and
 * nothing it writes may show in `git status` (it once rewrote the committed oclif manifest).
 * The clone is of the committed HEAD of this repository; npm installs from its cache or the
 * registry, as a newcomer's does.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, tempDir } from '../helpers/cli.js'

/** `npm ci` of every dependency and a build: minutes on two busy cores. */
const INSTALL_TIMEOUT_MS = 15 * 60_000

function tools(): string | false {
  for (const tool of ['git', 'npm']) {
    if (spawnSync(tool, ['--version'], { timeout: 30_000 }).status !== 0) return `${tool} is not on PATH`
  }
  return existsSync(join(REPO_ROOT, '.git')) ? false : 'not a git checkout'
}

test('npm ci in a fresh clone leaves git status clean', { skip: tools(), timeout: INSTALL_TIMEOUT_MS + 60_000 }, async () => {
  const dir = await tempDir('clean-tree')
  try {
    const clone = join(dir.path, 'chain')
    const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(cloned.status, 0, cloned.stderr)
    const installed = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS })
    assert.equal(installed.status, 0, `${installed.stdout}\n${installed.stderr}`)
    assert.ok(existsSync(join(clone, 'oclif.manifest.json')), 'npm ci built the manifest')
    const status = spawnSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })
    assert.equal(status.stdout, '', 'git status after npm ci')
  } finally {
    await dir.remove()
  }
})
