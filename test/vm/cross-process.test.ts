/**
 * Determinism across processes: the same workload in separate processes gives byte-identical
 * outcomes (results, errors, gas) and state whatever the time zone, the locale, the V8 tier the
 * WebAssembly runs in, and what the VM ran before. Each variant is a real child process.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { cleanEnv } from '../helpers/cli.js'

const run = promisify(execFile)
const CHILD = fileURLToPath(new URL('./determinism-child.js', import.meta.url))
const CHILD_TIMEOUT_MS = 240_000

const VARIANTS: ReadonlyArray<{ readonly name: string; readonly flags?: readonly string[]; readonly env?: Record<string, string> }> = [
  { name: 'UTC, C locale' },
  { name: 'TZ=Asia/Kolkata, LANG=de_DE.UTF-8', env: { TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' } },
  { name: 'Liftoff only (--liftoff --no-wasm-tier-up)', flags: ['--liftoff', '--no-wasm-tier-up'] },
  { name: 'TurboFan only (--no-liftoff)', flags: ['--no-liftoff'] },
  { name: 'no optimizing JS compiler (--no-opt)', flags: ['--no-opt'] },
  { name: 'after a thousand other calls', env: { HISTORY: '1000' } },
]

async function workload(flags: readonly string[] = [], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [...flags, CHILD], { env: cleanEnv({ TZ: 'UTC', LANG: 'C', ...env }), timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

test('separate processes give identical outcomes, gas and state across time zones, locales, V8 tiers and histories', async () => {
  const outputs = []
  // One at a time: each child keeps a core busy.
  for (const variant of VARIANTS) outputs.push({ name: variant.name, output: await workload(variant.flags, variant.env) })
  const reference = outputs[0]!.output
  const parsed = JSON.parse(reference) as { outcomes: Array<{ status: string; gasUsed: number; result: string | null; error: string | null }> }
  // The workload reaches every kind of outcome, so the comparison covers each.
  assert.deepEqual([...new Set(parsed.outcomes.map((outcome) => outcome.status))].sort(), ['ok', 'out-of-gas', 'reverted'])
  assert.ok(parsed.outcomes.every((outcome) => outcome.gasUsed > 0))
  for (const { name, output } of outputs.slice(1)) assert.equal(output, reference, name)
})
