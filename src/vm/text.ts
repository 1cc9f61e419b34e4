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
  // Cut first: a thrown string may be megabytes long.
  const flat = message
    .slice(0, 2 * MAX_ERROR_CHARS)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim()
  const chars = Array.from(flat)
  return chars.length <= MAX_ERROR_CHARS ? flat : chars.slice(0, MAX_ERROR_CHARS - 1).join('') + '…'
}
