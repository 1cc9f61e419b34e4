/** Text helpers of the VM: byte lengths for limits, and messages cut to one bounded line. */
import { MAX_ERROR_CHARS } from './constants.js'

/** UTF-8 length, the unit of every size limit and per-byte charge. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * A message as a receipt keeps it: control characters (line breaks included) become spaces,
 * and anything past MAX_ERROR_CHARS is cut, with an ellipsis.
 */
export function oneLine(message: string): string {
  // Look at a bounded head only (a thrown string may be megabytes long), never ending inside a
  // surrogate pair: 4 code units per character allowed is more than enough.
  const head = message.slice(0, 4 * MAX_ERROR_CHARS).replace(/[\uD800-\uDBFF]$/, '')
  // eslint-disable-next-line no-control-regex
  const chars = Array.from(head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim())
  const cut = head.length < message.length || chars.length > MAX_ERROR_CHARS
  return cut ? chars.slice(0, MAX_ERROR_CHARS - 1).join('') + '…' : chars.join('')
}
