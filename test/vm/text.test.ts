/** Byte lengths and one-line messages (src/vm/text.ts). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { byteLength, oneLine } from '../../src/vm/text.js'
import { MAX_ERROR_CHARS } from '../../src/vm/constants.js'

test('byteLength counts UTF-8 bytes', () => {
  assert.deepEqual(['', 'a', 'é', '€', '😀'].map(byteLength), [0, 1, 2, 3, 4])
})

test('oneLine turns control characters into single spaces and trims', () => {
  assert.equal(oneLine('  first\r\nsecond\t\tthird\u2028fourth\u0000 '), 'first second third fourth')
})

test('oneLine cuts long messages with an ellipsis, never inside a character', () => {
  assert.equal(oneLine('x'.repeat(MAX_ERROR_CHARS)), 'x'.repeat(MAX_ERROR_CHARS))
  const cut = oneLine('😀'.repeat(MAX_ERROR_CHARS + 1))
  assert.equal(Array.from(cut).length, MAX_ERROR_CHARS)
  assert.ok(cut.endsWith('😀…'))
})

test('oneLine always gives one line of at most MAX_ERROR_CHARS characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 1_000 }), (message) => {
      const line = oneLine(message)
      assert.ok(Array.from(line).length <= MAX_ERROR_CHARS)
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
    }),
  )
})
