/**
 * The memory layout and exports of the metered QuickJS binary: shared by the build step that
 * makes it (tools/metering/) and the VM that runs it. Every value here is part of the protocol:
 * the binary's sha256 (METERED_QUICKJS_SHA256 in ./binary.ts) changes with any of them.
 */

/** Bytes of one WebAssembly page. */
export const WASM_PAGE_BYTES = 64 * 1024

/**
 * Linear memory of every instance, fixed (the initial size is the maximum, so where memory runs
 * out never depends on history): 48 MiB for QuickJS (its data, its 5 MiB shadow stack and the
 * heap) plus one page for the dirty bitmap.
 */
export const MEMORY_PAGES = 48 * 16 + 1

/** Dirty tracking works in 4 KiB pages, the machine's own. */
export const DIRTY_PAGE_SHIFT = 12
export const DIRTY_PAGE_BYTES = 1 << DIRTY_PAGE_SHIFT

/** The bitmap (one byte per 4 KiB page) fills the last WebAssembly page. */
export const DIRTY_BITMAP_OFFSET = (MEMORY_PAGES - 1) * WASM_PAGE_BYTES

/** Pages of memory below the bitmap that the bitmap covers. */
export const TRACKED_PAGES = DIRTY_BITMAP_OFFSET >> DIRTY_PAGE_SHIFT

/** `memory.copy`/`memory.fill` pay one fuel per 2^BULK_BYTE_SHIFT bytes moved. */
export const BULK_BYTE_SHIFT = 3

/** Globals the metered binary exports (besides quickjs-emscripten's own exports). */
export const EXPORT_FUEL = 'chain_fuel'
export const EXPORT_STACK_POINTER = 'chain_sp'
export const EXPORT_STACK_LOW = 'chain_sp_low'
export const EXPORT_OUT_OF_MEMORY = 'chain_oom'
