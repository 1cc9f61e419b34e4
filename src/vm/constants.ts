/**
 * Constants of the contract VM: the gas schedule, the limits every node must apply alike
 * (protocol constants: changing one changes which transactions succeed), and the local safety
 * settings that never decide an outcome (the slow-execution alarm, the instance cache, the sandbox
 * thread's stack).
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
 * Gas is counted by the metered QuickJS binary in fuel: about one fuel per WebAssembly
 * instruction, charged per straight-line region (tools/metering/instrument.ts). A gas is
 * FUEL_PER_GAS fuel, which keeps the unit where the rest of the schedule and the block gas limit
 * were calibrated: about 2.5 ns of work on the reference machine (bench/vm.bench.ts, "wall time
 * of a million gas"; docs/contracts.md has the figures).
 */
export const FUEL_PER_GAS = 32

/**
 * Every frame (the outer call and each nested `call`): crossing into the contract's instance and
 * restoring its snapshot afterwards, measured at ~20-40 µs here for a call that writes little.
 * The work the call itself does is metered on top.
 */
export const FRAME_GAS = 10_000

/**
 * Gas a contract's module may use while it loads (its top-level code), at deploy and whenever
 * a node sets the contract up again (a restart, an evicted cache). A deploy pays what loading
 * really used; the cap bounds the unpaid work of setting a contract up again. Top-level code
 * should be declarations: this is far above what any declarations need.
 */
export const MODULE_LOAD_GAS_LIMIT = 20_000_000

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

/**
 * A nested `call`, on top of the callee's FRAME_GAS: reading the callee's code from the node's
 * thread, taking its instance, the state checkpoint. Measured as the slowest kind of code per
 * gas at 5,000 (bench/vm.bench.ts, "nested calls": 4.2 times a plain loop's time per gas).
 */
export const CALL_GAS = 25_000

// ---------------------------------------------------------------------------------------------
// Protocol limits: the same on every node, or nodes disagree on which calls succeed

/**
 * Memory of one frame, as QuickJS counts it (8 bytes per live allocation plus the size asked
 * for). Each contract runs in its own instance of fixed size (src/vm/metered/layout.ts: 48 MiB,
 * of which ~41 MiB heap), so this limit is what stops a memory bomb, with a clean "out of
 * memory" the contract may catch. Every call starts from the same snapshot, so where the limit
 * falls never depends on earlier calls.
 */
export const MEMORY_LIMIT_BYTES = 32 * MIB

/**
 * Stack of one execution (all frames), as QuickJS counts it (the WebAssembly shadow stack).
 * 256 KiB allows ~1,300 levels of plain recursion. The real (native) stack that the WebAssembly
 * code also uses grows up to ~25 times faster than this count (measured: parsing deeply nested
 * source), which is why the sandbox thread gets SANDBOX_THREAD_STACK_MB below.
 */
export const MAX_STACK_BYTES = 256 * KIB

/** Nested calls deep (the outer frame is depth 1). Each frame runs in an instance of its own. */
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
 * An execution still running after this long is logged (once), as an alarm: it decides nothing.
 * Gas bounds every execution (a full block of 200,000,000 gas is well under a minute of work
 * even for the slowest built-ins), so a long one means a slow or overloaded machine.
 */
export const EXECUTION_ALARM_MS = 10 * SECOND_MS

/**
 * Bytes the sandbox thread keeps in idle contract instances (their snapshots and the pages
 * their calls touched), least recently used out first. A token contract's instance keeps
 * ~0.5 MiB; 256 MiB holds hundreds of contracts.
 */
export const INSTANCE_CACHE_BYTES = 256 * MIB

/**
 * Bytes of contract source the sandbox thread keeps beside their hashes (a source's characters
 * count a byte each: contracts are mostly ASCII): ~2,000 sources of a token's size, or 64 of the
 * largest allowed.
 */
export const CODE_HASH_CACHE_BYTES = 4 * MIB

/** Blank instances made ahead, between executions (more after a nested call found none free). */
export const SPARE_INSTANCES = 2

/** Instances of one sandbox thread at most: each reserves its own 48 MiB memory. */
export const MAX_INSTANCES = 64

/**
 * The sandbox thread's stack. QuickJS stops at MAX_STACK_BYTES of its own count; the
 * WebAssembly frames under it use up to ~25 times that of native stack (6.4 MiB), and a native
 * overflow would abort QuickJS mid-operation. 64 MiB is ten times that worst case; the memory
 * is reserved, not used, until needed.
 */
export const SANDBOX_THREAD_STACK_MB = 64

/** How long the sandbox thread may take to start (load, check and compile the metered QuickJS). */
export const SANDBOX_START_TIMEOUT_MS = 30 * SECOND_MS

/**
 * How long a waiting thread spins before it sleeps. Waking a sleeping thread took ~65 µs here (a
 * futex wake on a busy machine) against ~5 µs for a spinning one. Both sides spin briefly: the
 * node answers a state read at once and sends a block's calls ahead, so the sandbox rarely
 * waits; and the node's thread has other work (gossip, RPC, the next transaction's checks),
 * while a spin on two cores takes one from the sandbox and the verify pool (a profile of a
 * sync measured 1 ms spins as a third of the node's CPU).
 */
export const NODE_SPIN_MS = 0.1
export const SANDBOX_SPIN_MS = 0.1

/**
 * Outcomes the sandbox thread holds before it sends them in one message, while more requests
 * wait for it (it sends at once when it has nothing left to run, or needs to read the node's
 * state). A message costs each thread several microseconds, a small contract call ~50 µs; 32
 * outcomes are ~2 ms of work, far below anything the node's thread would notice.
 */
export const MAX_OUTCOMES_PER_MESSAGE = 32

/**
 * Requests the node's thread holds before it sends them in one message while it goes on
 * adding more (a block's calls, checked and sent in one loop); the rest leave when the loop
 * yields. Sent only then, a block's first call waited for the whole loop (~20 ms of checks for
 * a thousand transfers) while the sandbox thread had nothing to run.
 */
export const MAX_REQUESTS_PER_MESSAGE = 32

/**
 * The longest the node's thread runs executions back to back before it lets its event loop
 * serve the network and RPC: a block of a thousand small calls would otherwise hold it for
 * the whole block, since a call that ends within the spin never yields.
 */
export const EVENT_LOOP_SLICE_MS = 10

/**
 * What the sandbox thread remembers of the state it runs against (src/vm/sandbox-state.ts),
 * counted as UTF-16 text plus a Map entry's overhead; past it, the mirror starts again empty.
 */
export const MIRROR_BYTES = 64 * 1024 * 1024

// ---------------------------------------------------------------------------------------------
// Shared with the ledger: a transaction that passes its checks never fails these

export { MAX_ARGS_BYTES, MAX_CODE_BYTES } from '../ledger/constants.js'

/** Method names are plain identifiers, as the ledger requires of a contract-call transaction. */
export const METHOD_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/


