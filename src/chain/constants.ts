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
