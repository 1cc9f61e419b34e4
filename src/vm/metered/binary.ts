/**
 * The metered QuickJS binary: where it is, what it must hash to, and how it is loaded.
 *
 * Gas is counted by the binary itself (tools/metering/instrument.ts), so the exact bytes are
 * part of the protocol: two nodes running different binaries could disagree on which calls run
 * out of gas. The build makes the binary from the pinned quickjs-emscripten package, and the VM
 * refuses any binary whose sha256 is not METERED_QUICKJS_SHA256, before running anything.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { VmError } from '../errors.js'

/** sha256 of quickjs-emscripten 0.32.0's RELEASE_SYNC `emscripten-module.wasm`, the input. */
export const QUICKJS_SOURCE_SHA256 = '105c3bed22d457e43e3d1c3c1c6959fda62a8fe06f0fc8a985303c3a2be72232'

/** sha256 of the metered binary: a protocol constant. */
export const METERED_QUICKJS_SHA256 = '90f86aee3653048c3da3874d034f57b449c33ce0dfa1cc718f3807b9c75fbd24'

/** Where the build writes the metered binary (dist/wasm/, beside the compiled sources). */
export const METERED_QUICKJS_PATH = new URL('../../../wasm/quickjs-metered.wasm', import.meta.url)

export function quickjsSourcePath(): string {
  return fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
}

/** The metered binary's bytes, after checking them against METERED_QUICKJS_SHA256. */
export function readMeteredQuickjs(path: URL = METERED_QUICKJS_PATH): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (error) {
    throw new VmError('VM_ERROR_BINARY', { contract: '', detail: `cannot read the metered QuickJS binary ${fileURLToPath(path)} (run npm run build): ${(error as Error).message}` })
  }
  const hash = createHash('sha256').update(bytes).digest('hex')
  if (hash !== METERED_QUICKJS_SHA256) {
    throw new VmError('VM_ERROR_BINARY', {
      contract: '',
      detail: `the metered QuickJS binary ${fileURLToPath(path)} has sha256 ${hash}, not the protocol's ${METERED_QUICKJS_SHA256}; refusing to run it`,
    })
  }
  return bytes
}
