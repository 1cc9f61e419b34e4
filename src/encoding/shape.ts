/**
 * Readers that check the shape of a decoded CBOR value field by field.
 *
 * `decode` only guarantees canonical CBOR; these turn `unknown` into typed fields and refuse
 * anything else with "expected X, got Y", naming the field. Structures are CBOR arrays with
 * a fixed number of fields, so an unknown or missing field is a length mismatch.
 */
import { EncodingError } from './cbor.js'

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'number' || typeof value === 'bigint') return `${typeof value} ${String(value)}`
  return typeof value
}

function badShape(what: string, expected: string, value: unknown): EncodingError {
  return new EncodingError('ENCODING_ERROR_BAD_SHAPE', what, `expected ${expected}, got ${describe(value)}`)
}

export function readArray(value: unknown, what: string, length: number): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw badShape(what, `an array of ${length}`, value)
  return value as unknown[]
}

/** An array of any length up to `maxLength`. */
export function readList(value: unknown, what: string, maxLength: number): unknown[] {
  if (!Array.isArray(value) || value.length > maxLength) throw badShape(what, `an array of at most ${maxLength}`, value)
  return value as unknown[]
}

/** A non-negative integer that fits a JavaScript number exactly (at most 2^53 - 1). */
export function readUint(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw badShape(what, `an integer from 0 to ${max}`, value)
  }
  return value
}

/** A non-negative integer of up to 64 bits, as a bigint. */
export function readBigUint(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value
  throw badShape(what, 'an unsigned 64-bit integer', value)
}

export function readBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    throw badShape(what, length === undefined ? 'bytes' : `${length} bytes`, value)
  }
  return value
}

/** A text string of at most `maxBytes` bytes of UTF-8 (CBOR text is UTF-8 by definition). */
export function readText(value: unknown, what: string, maxBytes: number): string {
  if (typeof value !== 'string' || Buffer.byteLength(value) > maxBytes) {
    throw badShape(what, `text of at most ${maxBytes} bytes`, value)
  }
  return value
}

export function readOptional<T>(value: unknown, read: (value: unknown) => T): T | null {
  return value === null ? null : read(value)
}
