/**
 * One instance of the metered QuickJS binary: its own fixed-size memory, its fuel meter, and the
 * snapshot it goes back to after every call.
 *
 * A call may write anywhere in memory. Going back must be exact (so that nothing of one call can
 * reach the next: not a variable, not the allocator's state, not the gas the next call pays) and
 * cheap (copying 48 MiB took ~3.4 ms in the research sketch). Three things say what was written:
 * - the dirty bitmap the metered binary keeps for every store and bulk operation (layout.ts);
 * - the stack's low-water mark: the host pushes `ccall` arguments on QuickJS's stack itself;
 * - every block the host allocates (`_malloc` called from quickjs-emscripten, which then writes
 *   strings and pointer arrays into it) and every import that writes memory, marked here.
 * `restore()` copies back just those pages from the snapshot (~20 for a token transfer).
 */
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSWASMModule } from 'quickjs-emscripten'
import { VmError } from '../errors.js'
import { deterministicImports } from './imports.js'
import { MemorySnapshot } from './snapshot.js'
import {
  DIRTY_BITMAP_OFFSET, DIRTY_PAGE_BYTES, DIRTY_PAGE_SHIFT, EXPORT_FUEL, EXPORT_OUT_OF_MEMORY, EXPORT_STACK_LOW, EXPORT_STACK_POINTER, MEMORY_PAGES,
  TRACKED_PAGES,
} from './layout.js'

/** The part of the WebAssembly API used here (the project's `lib` has no WebAssembly types). */
interface WasmGlobal<T> {
  value: T
}
interface WasmMemory {
  readonly buffer: ArrayBuffer
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

/** The metered binary, compiled once per thread. */
export type CompiledQuickjs = object

export function compileQuickjs(bytes: Uint8Array): CompiledQuickjs {
  return new wasm.Module(bytes)
}

interface EmscriptenModule {
  _malloc(size: number): number
}

export class MeteredInstance {
  /** What `restore()` goes back to: the blank snapshot, or the contract's once set up. */
  private snapshot: MemorySnapshot
  /** Pages the last `restore()` copied back (for the benchmark and tests). */
  restoredPages = 0

  private readonly heap: Uint8Array
  private readonly bitmapWords: Int32Array

  private constructor(
    readonly quickjs: QuickJSWASMModule,
    memory: WasmMemory,
    /** The time the imports answer QuickJS with (see `clock`). */
    private readonly time: { ms: number },
    private readonly fuelGlobal: WasmGlobal<bigint>,
    private readonly stackPointer: WasmGlobal<number>,
    private readonly stackLow: WasmGlobal<number>,
    private readonly outOfMemoryFlag: WasmGlobal<number>,
    /** The memory of a freshly instantiated binary, the same for every instance of a thread. */
    readonly blank: MemorySnapshot,
  ) {
    this.snapshot = blank
    // The memory never grows, so these views stay valid for the instance's life.
    this.heap = new Uint8Array(memory.buffer)
    this.bitmapWords = new Int32Array(memory.buffer, DIRTY_BITMAP_OFFSET, TRACKED_PAGES / 4)
  }

  /**
   * Instantiates the binary with a fresh fixed-size memory and the deterministic imports.
   * `blank`: the thread's blank snapshot; without one, it is taken from this instance.
   */
  static async create(compiled: CompiledQuickjs, blank?: MemorySnapshot): Promise<MeteredInstance> {
    const memory = new wasm.Memory({ initial: MEMORY_PAGES, maximum: MEMORY_PAGES })
    const heap = new Uint8Array(memory.buffer)
    const markWritten = (address: number, length: number): void => markPages(heap, address, length)
    const time = { ms: 0 }
    let exports: Record<string, unknown> | undefined
    const variant = newVariant(RELEASE_SYNC, {
      wasmMemory: memory as never,
      emscriptenModule: {
        instantiateWasm(imports: Record<string, Record<string, unknown>>, onSuccess: (instance: object, module: object) => void) {
          deterministicImports(imports, { now: () => time.ms, memory: () => heap, markWritten })
          const instance = new wasm.Instance(compiled, imports)
          exports = instance.exports
          onSuccess(instance, compiled)
          return instance.exports
        },
        onRuntimeInitialized(this: EmscriptenModule) {
          // Blocks the host allocates are then written by the host, unseen by the bitmap.
          const malloc = this._malloc.bind(this)
          this._malloc = (size: number): number => {
            const address = malloc(size)
            if (address !== 0) markWritten(address, size)
            return address
          }
        },
      } as never,
    })
    const quickjs = await newQuickJSWASMModuleFromVariant(variant)
    const global = <T>(name: string): WasmGlobal<T> => {
      const value = exports?.[name]
      if (value === undefined) throw new VmError('VM_ERROR_BINARY', { contract: '', detail: `the metered binary exports no ${name}` })
      return value as WasmGlobal<T>
    }
    const stackPointer = global<number>(EXPORT_STACK_POINTER)
    const base = blank ?? MemorySnapshot.capture(heap, blankPages(heap, stackPointer.value), stackPointer.value)
    const made = new MeteredInstance(quickjs, memory, time, global<bigint>(EXPORT_FUEL), stackPointer, global<number>(EXPORT_STACK_LOW), global<number>(EXPORT_OUT_OF_MEMORY), base)
    made.clearTracking(heap)
    return made
  }

  /** Fuel left; negative once the code ran out (the binary traps at the first charge after). */
  get fuel(): number {
    return Number(this.fuelGlobal.value)
  }

  set fuel(value: number) {
    this.fuelGlobal.value = BigInt(value)
  }

  /** Whether QuickJS has thrown (or tried to throw) "out of memory" since the last restore. */
  get ranOutOfMemory(): boolean {
    return this.outOfMemoryFlag.value !== 0
  }

  /** The time `Date.now()` would see inside QuickJS (contracts have no Date; QuickJS itself may ask). */
  set clock(ms: number) {
    this.time.ms = ms
  }

  /** Bytes this instance's snapshot keeps beyond the shared blank one. */
  get snapshotBytes(): number {
    return this.snapshot === this.blank ? 0 : this.snapshot.bytes
  }

  /** Makes the present memory (a contract set up on the blank instance) what `restore()` returns to. */
  takeSnapshot(): void {
    const heap = this.heap
    this.snapshot = MemorySnapshot.capture(heap, this.writtenPages(heap, false), this.stackPointer.value, this.blank)
    this.clearTracking(heap)
  }

  /** Back to the snapshot: every page written since, the stack pointer; the fuel is set to zero. */
  restore(): void {
    const heap = this.heap
    const pages = this.writtenPages(heap, true)
    for (const page of pages) this.snapshot.restorePage(heap, page)
    this.restoredPages = pages.length
    this.stackPointer.value = this.snapshot.stackPointer
    this.clearTracking(heap)
    this.fuel = 0
  }

  /** Back to a freshly instantiated binary, so that another contract can be set up on it. */
  resetToBlank(): void {
    const heap = this.heap
    const pages = [...this.writtenPages(heap, true), ...(this.snapshot === this.blank ? [] : this.snapshot.pages)]
    for (const page of pages) this.blank.restorePage(heap, page)
    this.snapshot = this.blank
    this.stackPointer.value = this.blank.stackPointer
    this.clearTracking(heap)
  }

  /** Whether memory is byte for byte the snapshot (for tests: the restore missed nothing). */
  matchesSnapshot(): boolean {
    return this.snapshot.matches(this.heap)
  }

  /**
   * Pages written since tracking was last cleared: the bitmap, and the stack between its lowest
   * point and where the snapshot has it. `straddle`: also the page after each marked one (a store
   * near a page's end writes into the next).
   */
  private writtenPages(heap: Uint8Array, straddle: boolean): number[] {
    // The stack's pages are marked in the bitmap too (the bitmap is cleared afterwards anyway),
    // so that one pass over it lists every page once.
    const top = this.snapshot.stackPointer
    const low = Math.min(this.stackLow.value, this.stackPointer.value)
    if (low < top) heap.fill(1, DIRTY_BITMAP_OFFSET + (low >> DIRTY_PAGE_SHIFT), DIRTY_BITMAP_OFFSET + ((top - 1) >> DIRTY_PAGE_SHIFT) + 1)
    const pages: number[] = []
    const words = this.bitmapWords
    let previous = -1
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0) continue
      for (let page = w * 4, end = page + 4; page < end; page++) {
        if (heap[DIRTY_BITMAP_OFFSET + page] === 0) continue
        if (page !== previous) pages.push(page)
        previous = page
        if (straddle && page + 1 < TRACKED_PAGES && heap[DIRTY_BITMAP_OFFSET + page + 1] === 0) {
          pages.push(page + 1)
          previous = page + 1
        }
      }
    }
    return pages
  }

  private clearTracking(heap: Uint8Array): void {
    heap.fill(0, DIRTY_BITMAP_OFFSET, DIRTY_BITMAP_OFFSET + TRACKED_PAGES)
    this.stackLow.value = this.stackPointer.value
    this.outOfMemoryFlag.value = 0
  }
}

/**
 * The pages of a freshly instantiated binary that may hold anything but zeros: those its start
 * code wrote (marked in the bitmap), and those of its data segments, which the engine writes
 * unseen but which Emscripten places below the stack (so below the initial stack pointer).
 */
function blankPages(heap: Uint8Array, stackPointer: number): number[] {
  const pages = new Set(nonZeroPages(heap, stackPointer >> DIRTY_PAGE_SHIFT))
  for (let page = 0; page < TRACKED_PAGES; page++) if (heap[DIRTY_BITMAP_OFFSET + page] !== 0) pages.add(page)
  return [...pages]
}

/** Pages below `limit` that hold anything but zeros. */
function nonZeroPages(heap: Uint8Array, limit: number): number[] {
  const words = new Int32Array(heap.buffer, 0, DIRTY_BITMAP_OFFSET / 4)
  const wordsPerPage = DIRTY_PAGE_BYTES / 4
  const pages: number[] = []
  for (let page = 0; page < limit; page++) {
    for (let i = page * wordsPerPage, end = i + wordsPerPage; i < end; i++) {
      if (words[i] !== 0) {
        pages.push(page)
        break
      }
    }
  }
  return pages
}

function markPages(heap: Uint8Array, address: number, length: number): void {
  if (length <= 0) return
  const first = address >> DIRTY_PAGE_SHIFT
  const last = Math.min((address + length - 1) >> DIRTY_PAGE_SHIFT, TRACKED_PAGES - 1)
  heap.fill(1, DIRTY_BITMAP_OFFSET + first, DIRTY_BITMAP_OFFSET + last + 1)
}
