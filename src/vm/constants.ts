/**
 * Constants of the contract VM: the gas schedule, the limits every node must apply alike
 * (protocol constants: changing one changes which transactions succeed), and the local safety
 * settings that never decide an outcome (the deadline, the sandbox thread's stack).
 *
 * Gas is calibrated to time on the reference machine (2 shared cores, Node 24, the
 * quickjs-emscripten 0.32 RELEASE_SYNC build): one gas is about 2.5 ns of work, 400 gas per
 * microsecond, so the 200,000,000 gas of a full block of the built-in networks is about half a
 * second of plain JavaScript. Every figure below was measured with bench/vm.bench.ts and the
 * scratch measurements quoted beside it.
 */

const KIB = 1024
const MIB = 1024 * KIB
const SECOND_MS = 1000

// ---------------------------------------------------------------------------------------------
// Gas schedule

/**
 * QuickJS calls the interrupt handler once every 10,000 counted operations (function calls and
 * backward jumps, `JS_INTERRUPT_COUNTER_INIT` in quickjs.c) and once every 10,000 steps of a
 * regular expression. One such tick of plain code (loops, calls) took 0.22-0.26 ms here, so it
 * is priced at 100,000 gas. The counter lives in the QuickJS context and every frame gets a
 * fresh context, so the ticks of a call never depend on what ran before it.
 */
export const GAS_PER_TICK = 100_000

/**
 * Every frame (the outer call and each nested `call`) creates a QuickJS context and installs
 * the contract API: ~0.1 ms here; compiling the contract is the per-byte cost below. The
 * frame's first operation is also a tick (QuickJS's counter starts at zero in a new context).
 */
export const FRAME_GAS = 40_000
/** Compiling and linking the contract source: ~80-100 ns per byte of source here. */
export const CODE_GAS_PER_BYTE = 40

/** A state read (`state.get`, `state.has`): a round trip to the host and a trie lookup there. */
export const STATE_READ_GAS = 4_000
/**
 * A state write or delete. Writes are priced above their time because every node keeps what
 * they store forever: a key written costs as much as ~12 µs of computation plus its bytes.
 */
export const STATE_WRITE_GAS = 5_000
/** Per byte of key and value written (and of the code a deploy stores). */
export const STATE_GAS_PER_BYTE = 40
/** Per byte of data crossing into the contract (a value read, a nested call's result). */
export const DATA_GAS_PER_BYTE = 4

/** An event: kept in the receipt, so priced per byte like state, though below it (not in the state). */
export const EVENT_GAS = 2_000
export const EVENT_GAS_PER_BYTE = 20

/** A nested `call`, on top of the callee's FRAME_GAS and code bytes: the checkpoint and the hops. */
export const CALL_GAS = 5_000

// ---------------------------------------------------------------------------------------------
// Protocol limits: the same on every node, or nodes disagree on which calls succeed

/**
 * Memory of one execution (all its frames together): how far its WebAssembly memory may grow
 * beyond QUICKJS_INITIAL_MEMORY_BYTES, and also QuickJS's own limit (which in this build
 * counts 8 bytes per live allocation plus the size asked for; see src/vm/worker.ts). Tens of
 * MiB hold any honest contract's working set many times over and bound what a memory bomb
 * costs the node. Every execution gets a fresh QuickJS instance, so where the limit falls
 * never depends on earlier calls.
 */
export const MEMORY_LIMIT_BYTES = 32 * MIB

/** The memory a QuickJS instance of quickjs-emscripten 0.32 starts with (its 5 MiB stack included). */
export const QUICKJS_INITIAL_MEMORY_BYTES = 16 * MIB
export const WASM_PAGE_BYTES = 64 * KIB

/**
 * Stack of one execution (all frames), as QuickJS counts it (the WebAssembly shadow stack).
 * 256 KiB allows ~1,300 levels of plain recursion. The real (native) stack that the WebAssembly
 * code also uses grows up to ~25 times faster than this count (measured: parsing deeply nested
 * source), which is why the sandbox thread gets SANDBOX_THREAD_STACK_MB below.
 */
export const MAX_STACK_BYTES = 256 * KIB

/** Nested calls deep (the outer frame is depth 1). Each frame is a QuickJS context of ~150 KiB. */
export const MAX_CALL_DEPTH = 16

/** A state key, in UTF-8 bytes: keys are names (`balance:ch1…`), not data. */
export const MAX_STATE_KEY_BYTES = 256
/** One state value, JSON text: large enough for a record, small enough to keep trie nodes and proofs small. */
export const MAX_STATE_VALUE_BYTES = 16 * KIB
/** A return value, JSON text: kept in the receipt. */
export const MAX_RESULT_BYTES = 16 * KIB
/** An event's data, JSON text: kept in the receipt. */
export const MAX_EVENT_DATA_BYTES = 4 * KIB
/** Events of one execution: a receipt is gossiped and stored with its block. */
export const MAX_EVENTS = 256
/** Event names are short identifiers (`Transfer`), so clients can match on them. */
export const EVENT_NAME_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/
/** A revert message in a receipt, in characters, after it is cut to one line. */
export const MAX_ERROR_CHARS = 256

// ---------------------------------------------------------------------------------------------
// Local safety settings: they protect this node and never decide a transaction's outcome

/**
 * Wall-clock limit on one execution, after which `VmError` VM_ERROR_DEADLINE is thrown and the
 * sandbox thread is replaced: DEADLINE_BASE_MS plus DEADLINE_MS_PER_MILLION_GAS for each million
 * gas of the request's limit. Measured here (bench/vm.bench.ts, "wall time of a million gas"),
 * a million gas took 2.5-3.5 ms of plain loops and calls, 4-8 ms of state writes, 9-12 ms of
 * string building, 53-88 ms of object churn, 68-107 ms of regular expressions, 95 ms of a Map
 * growing to the memory limit and 200-270 ms of JSON round trips: a tick prices a fixed count
 * of operations, and native built-ins do far more per operation than the interpreter. Six times
 * the slowest of these leaves room for a slower machine; a full block of the built-in networks
 * (200,000,000 gas) gets 305 s. Hostile code can still get there: a built-in that scans a long
 * string costs one operation (see docs/contracts.md).
 */
export const DEADLINE_BASE_MS = 5 * SECOND_MS
export const DEADLINE_MS_PER_MILLION_GAS = 1_500

/**
 * The sandbox thread's stack. QuickJS stops at MAX_STACK_BYTES of its own count; the
 * WebAssembly frames under it use up to ~25 times that of native stack (6.4 MiB), and a native
 * overflow would abort QuickJS mid-operation. 64 MiB is ten times that worst case; the memory
 * is reserved, not used, until needed.
 */
export const SANDBOX_THREAD_STACK_MB = 64

/** How long the sandbox thread may take to start (load and compile QuickJS). */
export const SANDBOX_START_TIMEOUT_MS = 30 * SECOND_MS

/**
 * How long a waiting thread spins before it sleeps. Waking a sleeping thread took ~65 µs here (a
 * futex wake on a busy machine) against ~5 µs for a spinning one, and an execution makes a few
 * round trips. The node's thread spins through much of a typical execution (~0.5 ms): it is
 * waiting for the VM anyway. The sandbox thread spins briefly: the node answers a state read at
 * once, and a block's next transaction follows at once. Longer spins measured no better here,
 * where other processes share the two cores.
 */
export const NODE_SPIN_MS = 1
export const SANDBOX_SPIN_MS = 0.1

// ---------------------------------------------------------------------------------------------
// Shared with the ledger: a transaction that passes its checks never fails these

export { MAX_ARGS_BYTES, MAX_CODE_BYTES } from '../ledger/constants.js'

/** Method names are plain identifiers, as the ledger requires of a contract-call transaction. */
export const METHOD_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

/** Gas for `checkContractSource`: a module's top-level code should be declarations, far below this. */
export const CHECK_GAS_LIMIT = 10_000_000
