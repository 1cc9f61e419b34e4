/**
 * The metering pass: rewrites QuickJS's WebAssembly binary (quickjs-emscripten's RELEASE_SYNC
 * build) so that the interpreter itself pays gas for every instruction it runs and remembers
 * which memory pages it wrote. The contract VM (src/vm/metered/) only ever runs the output.
 *
 * What the pass adds:
 * - Gas: a mutable i64 global `chain_fuel`. Each straight-line region of code (a function body,
 *   a loop body, an arm of an `if`, the code after a branch target) subtracts its static cost
 *   when it is entered, and traps (`unreachable`) once the global goes negative. A region is
 *   charged in full when entered, so the charge is an upper bound of what ran: exact for
 *   straight code, at most one region's worth above it when a branch leaves early.
 *   `memory.copy` and `memory.fill` also pay per byte, so bulk moves inside `memcpy`, string
 *   concatenation or array growth cost what they move.
 * - Dirty pages: every store into linear memory writes a 1 into a bitmap (one byte per 4 KiB
 *   page) kept in the last 64 KiB WebAssembly page, which the heap never reaches because
 *   `memory.size` is made to answer one page less. Bulk operations mark their whole range.
 *   A store may straddle into the next page, so the restorer copies page p+1 with page p.
 * - Stack low-water mark: the stack pointer global's lowest value since the last reset
 *   (`chain_sp_low`), so host-side stack allocations (strings quickjs-emscripten passes through
 *   `ccall`) are restored too.
 * - Out of memory: `chain_oom` is set to 1 wherever QuickJS passes its "out of memory" message
 *   on. At its memory limit QuickJS may fail to allocate even that error object and throw null
 *   instead; the flag tells that null from a contract's own `throw null`.
 *
 * The output is a pure function of the input bytes, binaryen's version and the constants
 * below; src/vm/metered/constants.ts pins its sha256, so any change here is a protocol change.
 */
import binaryen from 'binaryen'
import {
  BULK_BYTE_SHIFT, DIRTY_BITMAP_OFFSET, DIRTY_PAGE_SHIFT, EXPORT_FUEL, EXPORT_OUT_OF_MEMORY, EXPORT_STACK_LOW, EXPORT_STACK_POINTER, MEMORY_PAGES,
} from '../../src/vm/metered/layout.js'

/** Parts of binaryen.js's API that its typings leave out. */
interface BinaryenExtras {
  Block: { insertChildAt(block: number, index: number, child: number): void }
  Loop: { setBody(loop: number, body: number): void }
  If: { setIfTrue(expr: number, body: number): void; setIfFalse(expr: number, body: number): void }
  Store: { setPtr(expr: number, ptr: number): void }
  MemoryCopy: { setDest(expr: number, dest: number): void; setSize(expr: number, size: number): void }
  MemoryFill: { setDest(expr: number, dest: number): void; setSize(expr: number, size: number): void }
  Binary: { setLeft(expr: number, left: number): void; setRight(expr: number, right: number): void }
  Call: { setOperandAt(expr: number, index: number, operand: number): void }
  GlobalSet: { setValue(expr: number, value: number): void }
  Function: { setBody(fn: number, body: number): void }
  _BinaryenFunctionAddVar(fn: number, type: number): number
  _BinaryenExpressionGetId(expr: number): binaryen.ExpressionIds
  _BinaryenExpressionGetType(expr: number): number
}
const b = binaryen as typeof binaryen & BinaryenExtras

/** Module methods that binaryen.js's typings leave out. */
interface ModuleDataSegments {
  getNumDataSegments(): number
  getDataSegmentByIndex(index: number): number
  getDataSegmentInfo(segment: number): { readonly offset: number | null; readonly data: ArrayBuffer; readonly passive: boolean }
}

export interface InstrumentReport {
  readonly bytes: Uint8Array
  readonly functions: number
  readonly loops: number
  readonly stores: number
  readonly bulkOperations: number
  readonly outOfMemoryMarks: number
}

export class InstrumentError extends Error {
  constructor(message: string) {
    super(`metering pass: ${message}`)
    this.name = 'InstrumentError'
  }
}

/** The message QuickJS throws when an allocation fails, NUL-terminated as C stores it. */
const OUT_OF_MEMORY_TEXT = 'out of memory'

export function instrument(input: Uint8Array): InstrumentReport {
  const module = b.readBinary(input)
  try {
    return new Pass(module).run()
  } finally {
    module.dispose()
  }
}

class Pass {
  private loops = 0
  private stores = 0
  private bulkOperations = 0
  private outOfMemoryMarks = 0
  private readonly stackPointer: string
  /** Where the "out of memory" message lies in memory. */
  readonly outOfMemoryAddress: number

  constructor(private readonly module: binaryen.Module) {
    module.setFeatures(
      b.Features.MutableGlobals | b.Features.NontrappingFPToInt | b.Features.BulkMemory | b.Features.BulkMemoryOpt | b.Features.SignExt,
    )
    if (module.getNumGlobals() !== 1) throw new InstrumentError(`expected one global (the stack pointer), found ${module.getNumGlobals()}`)
    const global = b.getGlobalInfo(module.getGlobalByIndex(0))
    if (!global.mutable || global.type !== b.i32) throw new InstrumentError('the only global is not a mutable i32 stack pointer')
    this.stackPointer = global.name
    // Instantiation runs code (the start function) before the host can set the fuel: start full.
    module.addGlobal(EXPORT_FUEL, b.i64, true, i64(module, Number.MAX_SAFE_INTEGER))
    module.addGlobal(EXPORT_STACK_LOW, b.i32, true, module.i32.const(0))
    module.addGlobalExport(EXPORT_FUEL, EXPORT_FUEL)
    module.addGlobalExport(EXPORT_STACK_LOW, EXPORT_STACK_LOW)
    module.addGlobalExport(this.stackPointer, EXPORT_STACK_POINTER)
    module.addGlobal(EXPORT_OUT_OF_MEMORY, b.i32, true, module.i32.const(0))
    module.addGlobalExport(EXPORT_OUT_OF_MEMORY, EXPORT_OUT_OF_MEMORY)
    this.outOfMemoryAddress = findCString(module, OUT_OF_MEMORY_TEXT)
    this.addMarkRange()
  }

  run(): InstrumentReport {
    const { module } = this
    const count = module.getNumFunctions()
    let functions = 0
    for (let index = 0; index < count; index++) {
      const fn = module.getFunctionByIndex(index)
      const info = b.getFunctionInfo(fn)
      if (info.module !== '' && info.module !== null) continue // an import
      if (info.name === MARK_RANGE) continue
      new FunctionPass(this, fn).run(info.body)
      functions++
    }
    if (this.outOfMemoryMarks === 0) throw new InstrumentError(`no call passes the "${OUT_OF_MEMORY_TEXT}" message on`)
    if (!module.validate()) throw new InstrumentError('the instrumented module does not validate')
    const { loops, stores, bulkOperations, outOfMemoryMarks } = this
    return { bytes: module.emitBinary(), functions, loops, stores, bulkOperations, outOfMemoryMarks }
  }

  /** `chain_mark_range(dest, size)`: marks every page of [dest, dest + size) dirty. */
  private addMarkRange(): void {
    const m = this.module
    const dest = 0
    const size = 1
    const page = 2
    const last = 3
    m.addFunction(
      MARK_RANGE,
      b.createType([b.i32, b.i32]),
      b.none,
      [b.i32, b.i32],
      m.block(null, [
        m.if(m.i32.eqz(m.local.get(size, b.i32)), m.return()),
        m.local.set(page, m.i32.shr_u(m.local.get(dest, b.i32), m.i32.const(DIRTY_PAGE_SHIFT))),
        m.local.set(last, m.i32.shr_u(m.i32.sub(m.i32.add(m.local.get(dest, b.i32), m.local.get(size, b.i32)), m.i32.const(1)), m.i32.const(DIRTY_PAGE_SHIFT))),
        m.loop(
          'mark',
          m.block(null, [
            m.i32.store8(DIRTY_BITMAP_OFFSET, 1, m.local.get(page, b.i32), m.i32.const(1)),
            m.local.set(page, m.i32.add(m.local.get(page, b.i32), m.i32.const(1))),
            m.br('mark', m.i32.le_u(m.local.get(page, b.i32), m.local.get(last, b.i32))),
          ]),
        ),
      ]),
    )
  }

  countLoop(): void {
    this.loops++
  }
  countStore(): void {
    this.stores++
  }
  countBulk(): void {
    this.bulkOperations++
  }
  countOutOfMemoryMark(): void {
    this.outOfMemoryMarks++
  }
  get mod(): binaryen.Module {
    return this.module
  }
  get stackPointerName(): string {
    return this.stackPointer
  }
}

const MARK_RANGE = 'chain_mark_range'

/** An i64 constant (binaryen.js takes a bigint, whatever its typings say). */
function i64(module: binaryen.Module, value: number): number {
  return (module.i64 as unknown as { const(value: bigint): number }).const(BigInt(value))
}

/** Fuel of one instruction. Calibrated with `npm run bench -- vm` (docs/contracts.md). */
function instructionCost(id: binaryen.ExpressionIds): number {
  switch (id) {
    case b.CallId:
    case b.CallIndirectId:
      return 4
    default:
      return 1
  }
}

class FunctionPass {
  private storeAddress = -1

  constructor(
    private readonly pass: Pass,
    private readonly fn: number,
  ) {}

  run(body: number): void {
    b.Function.setBody(this.fn, this.region(body))
  }

  private get m(): binaryen.Module {
    return this.pass.mod
  }

  /** A new i32 local. Bulk operations and stack-pointer updates get their own, as their operands may contain stores. */
  private newLocal(): number {
    return b._BinaryenFunctionAddVar(this.fn, b.i32)
  }

  /**
   * The one local every store's address passes through: a store's address is computed (and any
   * store inside it done) before the local is set, and the local is read at once.
   */
  private storeLocal(): number {
    if (this.storeAddress < 0) this.storeAddress = this.newLocal()
    return this.storeAddress
  }

  /** `expr` as a region of its own: charged on entry with the static cost of its straight-line part. */
  private region(expr: number): number {
    const cost = this.visit(expr)
    return this.m.block(null, [this.charge(i64(this.m, cost)), expr], b._BinaryenExpressionGetType(expr))
  }

  private charge(amount: number): number {
    const m = this.m
    return m.block(null, [
      m.global.set(EXPORT_FUEL, m.i64.sub(m.global.get(EXPORT_FUEL, b.i64), amount)),
      m.if(m.i64.lt_s(m.global.get(EXPORT_FUEL, b.i64), i64(m, 0)), m.unreachable()),
    ])
  }

  /**
   * Instruments `expr` in place and returns the static cost of the part of it that runs
   * whenever it is entered (nested loops, `if` arms and code after branch targets are charged
   * where they start).
   */
  private visit(expr: number): number {
    const id = b._BinaryenExpressionGetId(expr)
    if (id === b.UnreachableId || id === b.NopId) return 1
    const info = b.getExpressionInfo(expr)
    switch (info.id) {
      case b.LoopId: {
        this.pass.countLoop()
        b.Loop.setBody(expr, this.region((info as binaryen.LoopInfo).body))
        return 0 // a loop header is a label, not an instruction the engine runs
      }
      case b.IfId: {
        const { condition, ifTrue, ifFalse } = info as binaryen.IfInfo
        const cost = 1 + this.visit(condition)
        b.If.setIfTrue(expr, this.region(ifTrue))
        if (ifFalse) b.If.setIfFalse(expr, this.region(ifFalse))
        return cost
      }
      case b.BlockId:
        return this.block(expr, info as binaryen.BlockInfo)
      default:
        break
    }
    let cost = instructionCost(info.id)
    for (const child of children(info)) cost += this.visit(child)
    switch (info.id) {
      case b.StoreId:
        this.markStore(expr, info as binaryen.StoreInfo)
        break
      case b.MemoryCopyId:
      case b.MemoryFillId:
        this.bulk(expr, info as binaryen.MemoryCopyInfo | binaryen.MemoryFillInfo)
        break
      case b.GlobalSetId:
        if ((info as binaryen.GlobalSetInfo).name === this.pass.stackPointerName) this.trackStackLow(expr, info as binaryen.GlobalSetInfo)
        break
      case b.BinaryId:
        this.replaceMemorySize(expr, info as binaryen.BinaryInfo)
        break
      case b.CallId:
        this.markOutOfMemory(expr, info as binaryen.CallInfo)
        break
      default:
        break
    }
    return cost
  }

  /** Children run in order; code after a child block that is a branch target is a new region. */
  private block(expr: number, info: binaryen.BlockInfo): number {
    const { children: kids } = info
    // A block is a label, not an instruction: a `switch` compiles to hundreds of nested
    // blocks, and counting them would charge every dispatch for all of its cases.
    let first = 0
    let current = 0
    let inFirst = true
    let segmentStart = -1
    const inserts: Array<[number, number]> = []
    for (let k = 0; k < kids.length; k++) {
      const kid = kids[k]!
      const cost = this.visit(kid)
      if (inFirst) first += cost
      else current += cost
      const isTarget = b._BinaryenExpressionGetId(kid) === b.BlockId && (b.getExpressionInfo(kid) as binaryen.BlockInfo).name
      if (isTarget && k + 1 < kids.length) {
        if (!inFirst) inserts.push([segmentStart, current])
        inFirst = false
        current = 0
        segmentStart = k + 1
      }
    }
    if (!inFirst) inserts.push([segmentStart, current])
    for (let j = inserts.length - 1; j >= 0; j--) {
      const [index, cost] = inserts[j]!
      if (cost > 0) b.Block.insertChildAt(expr, index, this.charge(i64(this.m, cost)))
    }
    return first
  }

  /** store(ptr, value) becomes store((tmp = ptr, mark(tmp + offset), tmp), value). */
  private markStore(expr: number, info: binaryen.StoreInfo): void {
    const m = this.m
    const tmp = this.storeLocal()
    this.pass.countStore()
    const address = m.i32.add(m.local.get(tmp, b.i32), m.i32.const(info.offset))
    b.Store.setPtr(
      expr,
      m.block(
        null,
        [
          m.local.set(tmp, info.ptr),
          m.i32.store8(DIRTY_BITMAP_OFFSET, 1, m.i32.shr_u(address, m.i32.const(DIRTY_PAGE_SHIFT)), m.i32.const(1)),
          m.local.get(tmp, b.i32),
        ],
        b.i32,
      ),
    )
  }

  /** memory.copy/fill: pay per byte moved, and mark the destination range dirty. */
  private bulk(expr: number, info: binaryen.MemoryCopyInfo | binaryen.MemoryFillInfo): void {
    const m = this.m
    this.pass.countBulk()
    const size = this.newLocal()
    const dest = this.newLocal()
    const copy = info.id === b.MemoryCopyId
    const setDest = (target: number, value: number): void => (copy ? b.MemoryCopy.setDest(target, value) : b.MemoryFill.setDest(target, value))
    const setSize = (target: number, value: number): void => (copy ? b.MemoryCopy.setSize(target, value) : b.MemoryFill.setSize(target, value))
    setDest(expr, m.local.tee(dest, info.dest, b.i32))
    setSize(
      expr,
      m.block(
        null,
        [
          m.local.set(size, info.size),
          this.charge(m.i64.extend_u(m.i32.shr_u(m.local.get(size, b.i32), m.i32.const(BULK_BYTE_SHIFT)))),
          m.call(MARK_RANGE, [m.local.get(dest, b.i32), m.local.get(size, b.i32)], b.none),
          m.local.get(size, b.i32),
        ],
        b.i32,
      ),
    )
  }

  /** After the stack pointer moves down, remember its lowest value. */
  private trackStackLow(expr: number, info: binaryen.GlobalSetInfo): void {
    const m = this.m
    const tmp = this.newLocal()
    b.GlobalSet.setValue(
      expr,
      m.block(
        null,
        [
          m.local.set(tmp, info.value),
          m.if(m.i32.lt_u(m.local.get(tmp, b.i32), m.global.get(EXPORT_STACK_LOW, b.i32)), m.global.set(EXPORT_STACK_LOW, m.local.get(tmp, b.i32))),
          m.local.get(tmp, b.i32),
        ],
        b.i32,
      ),
    )
  }

  /** A call given the "out of memory" message sets `chain_oom` first. */
  private markOutOfMemory(expr: number, info: binaryen.CallInfo): void {
    const m = this.m
    info.operands.forEach((operand, index) => {
      if (b._BinaryenExpressionGetId(operand) !== b.ConstId) return
      const constant = b.getExpressionInfo(operand) as binaryen.ConstInfo
      if (constant.type !== b.i32 || constant.value !== this.pass.outOfMemoryAddress) return
      b.Call.setOperandAt(expr, index, m.block(null, [m.global.set(EXPORT_OUT_OF_MEMORY, m.i32.const(1)), operand], b.i32))
      this.pass.countOutOfMemoryMark()
    })
  }

  /** `memory.size` answers one page less, so the heap never grows into the dirty bitmap. */
  private replaceMemorySize(expr: number, info: binaryen.BinaryInfo): void {
    const reported = this.m.i32.const(MEMORY_PAGES - 1)
    if (b._BinaryenExpressionGetId(info.left) === b.MemorySizeId) b.Binary.setLeft(expr, reported)
    if (b._BinaryenExpressionGetId(info.right) === b.MemorySizeId) b.Binary.setRight(expr, reported)
  }
}

/** The address of the one NUL-terminated string `text` in the module's data segments. */
function findCString(binaryenModule: binaryen.Module, text: string): number {
  const module = binaryenModule as unknown as ModuleDataSegments
  const needle = Buffer.from(`\0${text}\0`)
  const found: number[] = []
  for (let index = 0; index < module.getNumDataSegments(); index++) {
    const segment = module.getDataSegmentInfo(module.getDataSegmentByIndex(index))
    if (segment.passive || segment.offset === null) continue
    const data = Buffer.from(segment.data)
    for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + 1)) found.push(segment.offset + at + 1)
  }
  if (found.length !== 1) throw new InstrumentError(`expected the string "${text}" once in the data, found it ${found.length} times`)
  return found[0]!
}

/** The operands of an expression that is neither a block, a loop nor an if. */
function children(info: binaryen.ExpressionInfo): number[] {
  const out: number[] = []
  const push = (expr: number | null | undefined): void => {
    if (expr) out.push(expr)
  }
  const any = info as unknown as Record<string, unknown>
  const one = (name: string): void => push(any[name] as number | undefined)
  switch (info.id) {
    case b.BreakId:
    case b.SwitchId:
      one('condition')
      one('value')
      break
    case b.CallId:
      ;(any.operands as number[]).forEach(push)
      break
    case b.CallIndirectId:
      one('target')
      ;(any.operands as number[]).forEach(push)
      break
    case b.LocalSetId:
    case b.GlobalSetId:
    case b.UnaryId:
    case b.DropId:
    case b.ReturnId:
      one('value')
      break
    case b.LoadId:
      one('ptr')
      break
    case b.StoreId:
      one('ptr')
      one('value')
      break
    case b.BinaryId:
      one('left')
      one('right')
      break
    case b.SelectId:
      one('ifTrue')
      one('ifFalse')
      one('condition')
      break
    case b.MemoryCopyId:
      one('dest')
      one('source')
      one('size')
      break
    case b.MemoryFillId:
      one('dest')
      one('value')
      one('size')
      break
    case b.ConstId:
    case b.LocalGetId:
    case b.GlobalGetId:
    case b.MemorySizeId:
      break
    case b.MemoryGrowId:
      throw new InstrumentError('memory.grow inside the module: the memory must stay fixed')
    default:
      throw new InstrumentError(`unexpected expression kind ${info.id}`)
  }
  return out
}
