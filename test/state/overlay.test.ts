/**
 * The state overlay: writes stay in memory, checkpoints undo exactly what came after them, and
 * the base is read once per key, so the undo log's values cost no second read.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { utf8 } from '../../src/encoding/bytes.js'
import { StateOverlay, type StateReader } from '../../src/state/overlay.js'

/** A base that counts its reads by key. */
function countingBase(values: Record<string, string>): StateReader & { reads: Map<string, number> } {
  const reads = new Map<string, number>()
  return {
    reads,
    get(key) {
      const text = Buffer.from(key).toString()
      reads.set(text, (reads.get(text) ?? 0) + 1)
      return text in values ? utf8(values[text]!) : undefined
    },
  }
}

test('the undo log reads what the base held before the block, once per key', () => {
  const base = countingBase({ a: 'old a', b: 'old b' })
  const state = new StateOverlay(base)
  assert.deepEqual(state.get(utf8('a')), utf8('old a'))
  assert.equal(state.get(utf8('missing')), undefined)
  state.set(utf8('a'), utf8('new a'))
  state.set(utf8('missing'), utf8('now here'))
  state.set(utf8('b'), utf8('new b')) // written without a read first
  state.checkpoint()
  state.delete(utf8('a'))
  state.revert()
  assert.deepEqual(state.get(utf8('a')), utf8('new a'))
  const changes = state.changed()
  assert.deepEqual(
    changes.map(({ key, value }) => [Buffer.from(key).toString(), value && Buffer.from(value).toString()]),
    [
      ['a', 'new a'],
      ['missing', 'now here'],
      ['b', 'new b'],
    ],
  )
  const undo = changes.map(({ key }) => [Buffer.from(key).toString(), state.baseValue(key) && Buffer.from(state.baseValue(key)!).toString()])
  assert.deepEqual(undo, [
    ['a', 'old a'],
    ['missing', undefined],
    ['b', 'old b'],
  ])
  assert.deepEqual(Object.fromEntries(base.reads), { a: 1, missing: 1, b: 1 }, 'each key read from the base once')
})

test('an overlay over an overlay sees the lower one’s writes, and its undo log the lower one’s values', () => {
  const lower = new StateOverlay(countingBase({ k: 'stored' }))
  lower.set(utf8('k'), utf8('reverted to'))
  const upper = new StateOverlay(lower)
  upper.set(utf8('k'), utf8('executed'))
  assert.deepEqual(upper.baseValue(utf8('k')), utf8('reverted to'))
  assert.equal(Buffer.from(upper.get(utf8('k'))!).toString(), 'executed')
})
