/**
 * `npm run build` step: makes the metered QuickJS binary from the pinned quickjs-emscripten
 * package and writes it where the VM loads it (METERED_QUICKJS_PATH). Fails on an input whose
 * sha256 is not the pinned one, and on an output whose sha256 is not METERED_QUICKJS_SHA256 (the
 * VM would refuse to run it): the build itself proves the binary is reproduced byte for byte.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { METERED_QUICKJS_PATH, METERED_QUICKJS_SHA256, QUICKJS_SOURCE_SHA256, quickjsSourcePath } from '../../src/vm/metered/binary.js'
import { instrument } from './instrument.js'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

const source = await readFile(quickjsSourcePath())
if (sha256(source) !== QUICKJS_SOURCE_SHA256) {
  throw new Error(`QuickJS's WebAssembly is not the pinned build (sha256 ${sha256(source)}, expected ${QUICKJS_SOURCE_SHA256})`)
}
const started = performance.now()
const report = instrument(source)
const target = fileURLToPath(METERED_QUICKJS_PATH)
await mkdir(dirname(target), { recursive: true })
// Written whole or not at all: a half-written binary would fail the VM's hash check anyway.
await writeFile(`${target}.tmp`, report.bytes)
await rename(`${target}.tmp`, target)
const hash = sha256(report.bytes)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `metered QuickJS: ${report.functions} functions, ${report.loops} loops, ${report.stores} stores, ${report.bulkOperations} bulk operations, ${report.outOfMemoryMarks} out-of-memory marks; ` +
    `${source.length} -> ${report.bytes.length} bytes in ${seconds} s; sha256 ${hash}`,
)
if (hash !== METERED_QUICKJS_SHA256) {
  // The binary decides gas, so a different one is a protocol change: it must be made on purpose.
  console.error(
    `error: the metered binary's sha256 is not the protocol's METERED_QUICKJS_SHA256 (${METERED_QUICKJS_SHA256}). ` +
      'If the metering pass, its constants, binaryen or quickjs-emscripten changed on purpose, that is a protocol change: ' +
      'set METERED_QUICKJS_SHA256 in src/vm/metered/binary.ts to the value above and rebuild.',
  )
  process.exitCode = 1
}
