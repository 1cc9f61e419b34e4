/** Constants of the chain layer (mempool), each with the reason for its value. */

const MIB = 1024 * 1024

/** Transactions the pool holds at most: many blocks' worth, bounded memory. */
export const MEMPOOL_MAX_TXS = 10_000
/** Encoded bytes the pool holds at most (deploys can be 96 KiB each). */
export const MEMPOOL_MAX_BYTES = 64 * MIB
/**
 * Transactions of one sender the pool holds at most: enough to queue a burst, too few for one
 * sender to crowd out everybody else.
 */
export const MEMPOOL_MAX_PER_SENDER = 64
/**
 * Transactions that left the pool without being included are remembered, with the reason, so
 * that `chain tx show` and `tx send --wait` can say "dropped: REASON" rather than "not found".
 * The most recent are kept up to this many bytes (transactions and reasons): a wallet asks
 * within seconds of sending, and a count alone would let 4,096 large deploys hold 400 MiB.
 */
export const MEMPOOL_DEPARTURES_BYTES = 8 * MIB

/**
 * Bytes the cache of transactions whose signatures held may take: ~32,000 hashes, three
 * times a full mempool, so a transaction admitted to the pool is still known when a block
 * includes it (src/chain/tx-verifier.ts).
 */
export const VERIFIED_CACHE_MAX_BYTES = 4 * MIB
/**
 * What one remembered hash is charged: its 32 bytes as a string key and the set's slot, measured
 * at ~70 bytes of heap with 32,768 hashes; the rest is room for the set's table, which doubles.
 */
export const VERIFIED_ENTRY_BYTES = 128

/**
 * Most transactions one source (a peer, or the RPC) may have waiting for their signature
 * check: beyond it the source is told the node is busy. Bounds what a flood costs in memory
 * (a few hundred bytes each) while leaving room for a bulk send of MAX_SEND_TRANSACTIONS.
 */
export const ADMISSION_MAX_QUEUED_PER_SOURCE = 4_096
/**
 * Most transactions in one batch sent to the verify pool: about 3 ms of one core's work, so a
 * batch is worth its message and an honest transaction behind a flood waits little.
 */
export const ADMISSION_BATCH_MAX_TXS = 32
/**
 * Batches being checked at once per verify thread: one on the thread, one waiting beside it,
 * so the thread never idles while the node's thread is busy.
 */
export const ADMISSION_BATCHES_PER_THREAD = 2
