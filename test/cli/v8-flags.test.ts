/**
 * Every `chain` process runs with the V8 flags of bin/v8-flags.js (the young generation's cap,
 * the old generation's growth: docs/architecture.md, "Memory"). bin/chain, a shell script,
 * cannot import them and spells them out: this holds the two together.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT, V8_FLAGS } from '../helpers/cli.js'

test('bin/chain starts Node with exactly the V8 flags of bin/v8-flags.js, before the program', () => {
  // `sh -x` prints each command as run, the `exec` of Node included; `--version` ends at once.
  const run = spawnSync('sh', ['-x', join(REPO_ROOT, 'bin', 'chain'), '--version'], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.status, 0, run.stderr)
  const exec = run.stderr.split('\n').find((line) => line.startsWith('+ exec '))
  assert.ok(exec !== undefined, `no exec line in:\n${run.stderr}`)
  const words = exec.split(' ').slice(2)
  const program = words.findIndex((word) => word.endsWith(join('bin', 'run.js')))
  assert.ok(program > 0, exec)
  assert.deepEqual(words.slice(1, program), [...V8_FLAGS])
})
