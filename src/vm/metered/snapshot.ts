/**
 * Snapshots of an instance's memory, kept sparse. The blank snapshot (a freshly instantiated
 * binary: its data segments, a few hundred KiB) is taken once per thread and shared; a
 * contract's snapshot keeps only the pages that differ from it (what setting up the contract
 * wrote) and reads every other page from the blank one. Pages held by neither are zeros.
 */
import { DIRTY_PAGE_BYTES, DIRTY_PAGE_SHIFT, TRACKED_PAGES } from './layout.js'

const ABSENT = -1

export class MemorySnapshot {
  /** Each page's bytes (this snapshot's copy, else its base's), undefined for zeros: resolved once, restored often. */
  private readonly views: ReadonlyArray<Uint8Array | undefined>

  private constructor(
    /** For each page, where its copy starts in `data`, or ABSENT (then: the base's page, or zeros). */
    private readonly offsets: Int32Array,
    private readonly data: Uint8Array,
    /** The pages held here, ascending. */
    readonly pages: readonly number[],
    readonly stackPointer: number,
    private readonly base: MemorySnapshot | undefined,
  ) {
    this.views = Array.from({ length: TRACKED_PAGES }, (_, page) => this.page(page))
  }

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

  /** Bytes held by this snapshot itself (not its base; the views are ~8 bytes a page). */
  get bytes(): number {
    return this.data.byteLength + this.offsets.byteLength + 8 * TRACKED_PAGES
  }

  restorePage(heap: Uint8Array, page: number): void {
    const start = page << DIRTY_PAGE_SHIFT
    const held = this.views[page]
    if (held === undefined) heap.fill(0, start, start + DIRTY_PAGE_BYTES)
    else heap.set(held, start)
  }

  /** Whether `heap` equals the snapshot on every tracked page. */
  matches(heap: Uint8Array): boolean {
    const zeros = new Uint8Array(DIRTY_PAGE_BYTES)
    for (let page = 0; page < TRACKED_PAGES; page++) {
      const start = page << DIRTY_PAGE_SHIFT
      if (Buffer.compare(heap.subarray(start, start + DIRTY_PAGE_BYTES), this.views[page] ?? zeros) !== 0) return false
    }
    return true
  }

  /** The copy of `page` this snapshot (or its base) holds; undefined for a page of zeros. */
  private page(page: number): Uint8Array | undefined {
    const offset = this.offsets[page]!
    if (offset !== ABSENT) return this.data.subarray(offset, offset + DIRTY_PAGE_BYTES)
    return this.base?.page(page)
  }
}
