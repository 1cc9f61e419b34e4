/**
 * Snapshots of an instance's memory, kept sparse. The blank snapshot (a freshly instantiated
 * binary: its data segments, a few hundred KiB) is taken once per thread and shared; a
 * contract's snapshot keeps only the pages that differ from it (what setting up the contract
 * wrote) and reads every other page from the blank one. Pages held by neither are zeros.
 */
import { DIRTY_PAGE_BYTES, DIRTY_PAGE_SHIFT, TRACKED_PAGES } from './layout.js'

const ABSENT = -1

export class MemorySnapshot {
  private constructor(
    /** For each page, where its copy starts in `data`, or ABSENT (then: the base's page, or zeros). */
    private readonly offsets: Int32Array,
    private readonly data: Uint8Array,
    /** The pages held here, ascending. */
    readonly pages: readonly number[],
    readonly stackPointer: number,
    private readonly base: MemorySnapshot | undefined,
  ) {}

  /** Copies `pages` of `heap`; every other page is the base's (or zeros, without a base). */
  static capture(heap: Uint8Array, pages: Iterable<number>, stackPointer: number, base?: MemorySnapshot): MemorySnapshot {
    const offsets = new Int32Array(TRACKED_PAGES).fill(ABSENT)
    const held = [...new Set(pages)].sort((a, b) => a - b)
    const data = new Uint8Array(held.length * DIRTY_PAGE_BYTES)
    held.forEach((page, index) => {
      const start = page << DIRTY_PAGE_SHIFT
      data.set(heap.subarray(start, start + DIRTY_PAGE_BYTES), index * DIRTY_PAGE_BYTES)
      offsets[page] = index * DIRTY_PAGE_BYTES
    })
    return new MemorySnapshot(offsets, data, held, stackPointer, base)
  }

  /** Bytes held by this snapshot itself (not its base). */
  get bytes(): number {
    return this.data.byteLength + this.offsets.byteLength
  }

  restorePage(heap: Uint8Array, page: number): void {
    const start = page << DIRTY_PAGE_SHIFT
    const offset = this.offsets[page]!
    if (offset !== ABSENT) heap.set(this.data.subarray(offset, offset + DIRTY_PAGE_BYTES), start)
    else if (this.base !== undefined) this.base.restorePage(heap, page)
    else heap.fill(0, start, start + DIRTY_PAGE_BYTES)
  }

  /** Whether `heap` equals the snapshot on every tracked page. */
  matches(heap: Uint8Array): boolean {
    const expected = new Uint8Array(DIRTY_PAGE_BYTES)
    const scratch = new Uint8Array(heap.byteLength)
    for (let page = 0; page < TRACKED_PAGES; page++) {
      const start = page << DIRTY_PAGE_SHIFT
      this.restorePage(scratch, page)
      expected.set(scratch.subarray(start, start + DIRTY_PAGE_BYTES))
      if (Buffer.compare(heap.subarray(start, start + DIRTY_PAGE_BYTES), expected) !== 0) return false
    }
    return true
  }
}
