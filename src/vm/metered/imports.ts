/**
 * The world as QuickJS sees it, made deterministic: Emscripten's imports for the clock, the time
 * zone, the environment, timers, memory growth and output are replaced with fixed answers, so
 * nothing about the machine (its clock, `TZ`, `LANG`, its environment) can reach a contract's
 * result or its gas. Without this QuickJS would seed `Math.random` from `gettimeofday`, and
 * every snapshot would differ from process to process.
 *
 * Emscripten minifies import names per build; the names below are those of quickjs-emscripten
 * 0.32.0's RELEASE_SYNC glue (`emscripten-module.mjs`), whose WebAssembly binary is pinned by
 * hash (./binary.ts). `deterministicImports` refuses an import object with any other set of
 * names, so an upgrade cannot silently run with the machine's clock.
 */
import { VmError } from '../errors.js'

/** Memory writes the imports make from the host side, which the dirty bitmap cannot see. */
export interface ImportEnvironment {
  /** The time QuickJS reads, in ms since the epoch: the block's timestamp during a call, 0 while setting up. */
  now(): number
  memory(): Uint8Array
  /** Marks [address, address + length) as written by the host. */
  markWritten(address: number, length: number): void
}

type ImportFunction = (...args: number[]) => number | undefined

/** What each minified import is, for the reader, and whether it is replaced here. */
const IMPORTS = {
  b: 'kept: __assert_fail (aborts)',
  c: 'replaced: fd_write (stdout/stderr): output is dropped',
  d: 'kept: fd_close (ENOSYS)',
  e: 'replaced: environ_get: no environment',
  f: 'replaced: environ_sizes_get: no environment',
  g: "kept: quickjs-emscripten's module name normalizer",
  h: "kept: quickjs-emscripten's module loader",
  i: "kept: quickjs-emscripten's interrupt callback",
  j: 'replaced: _setitimer_js: no timers',
  k: 'replaced: emscripten_resize_heap: the memory never grows',
  l: 'kept: _emscripten_runtime_keepalive_clear',
  m: 'replaced: _localtime_js: always UTC',
  n: 'replaced: _tzset_js: UTC, no daylight saving',
  o: 'kept: fd_seek (ESPIPE)',
  p: "replaced: emscripten_date_now: the block's time",
  q: 'kept: abort',
  r: 'kept: proc_exit',
  s: "kept: quickjs-emscripten's host function call",
  t: "kept: quickjs-emscripten's host reference release",
} as const

const EXPECTED_NAMES = ['a', ...Object.keys(IMPORTS)].sort().join(',')

/** Replaces the imports listed above in `imports.a` (Emscripten's single import module). */
export function deterministicImports(imports: Record<string, Record<string, unknown>>, env: ImportEnvironment): void {
  const table = imports.a
  const names = Object.keys(table ?? {}).sort().join(',')
  if (table === undefined || Object.keys(imports).length !== 1 || names !== EXPECTED_NAMES) {
    throw new VmError('VM_ERROR_BINARY', { contract: '', detail: `quickjs-emscripten's imports are not those of the pinned build (${names})` })
  }
  const view = (): DataView => new DataView(env.memory().buffer)
  const writeU32 = (address: number, value: number): void => {
    view().setUint32(address, value >>> 0, true)
    env.markWritten(address, 4)
  }
  const replacements: Record<string, ImportFunction> = {
    c: (_fd, iov, iovCount, written) => {
      let total = 0
      for (let i = 0; i < iovCount; i++) total += view().getUint32(iov + 8 * i + 4, true)
      writeU32(written, total)
      return 0
    },
    e: () => 0,
    f: (countAddress, sizeAddress) => {
      writeU32(countAddress, 0)
      writeU32(sizeAddress, 0)
      return 0
    },
    j: () => 0,
    k: () => 0,
    m: (time, tmAddress) => writeUtcTime(env, Number(time), tmAddress),
    n: (timezoneAddress, daylightAddress, standardName, summerName) => {
      writeU32(timezoneAddress, 0)
      writeU32(daylightAddress, 0)
      writeCString(env, standardName, 'UTC')
      writeCString(env, summerName, 'UTC')
      return undefined
    },
    p: () => env.now(),
  }
  for (const [name, replacement] of Object.entries(replacements)) table[name] = replacement
}

/** `struct tm` of `seconds` since the epoch, in UTC (9 int32 fields, then tm_gmtoff and tm_zone). */
function writeUtcTime(env: ImportEnvironment, seconds: number, address: number): undefined {
  const date = new Date(Number.isFinite(seconds) ? seconds * 1000 : 0)
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1)
  const fields = [
    date.getUTCSeconds(),
    date.getUTCMinutes(),
    date.getUTCHours(),
    date.getUTCDate(),
    date.getUTCMonth(),
    date.getUTCFullYear() - 1900,
    date.getUTCDay(),
    Math.floor((date.getTime() - startOfYear) / 86_400_000),
    0, // tm_isdst
    0, // tm_gmtoff
  ]
  const view = new DataView(env.memory().buffer)
  fields.forEach((value, index) => view.setInt32(address + 4 * index, value, true))
  env.markWritten(address, 4 * fields.length)
  return undefined
}

/** A NUL-terminated string of at most 16 bytes, as `_tzset_js` writes the zone names. */
function writeCString(env: ImportEnvironment, address: number, text: string): void {
  const bytes = new TextEncoder().encode(text)
  const memory = env.memory()
  memory.set(bytes, address)
  memory[address + bytes.length] = 0
  env.markWritten(address, bytes.length + 1)
}
