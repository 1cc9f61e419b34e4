/** Constants of the consensus layer, each with the reason for its value. */

const SECOND_MS = 1000

/**
 * How far ahead of this node's clock a block's timestamp may be. Clocks of honest machines
 * agree within seconds (NTP); a bound stops a miner from lowering difficulty by claiming a long
 * block interval. 15 s as in geth (Bitcoin allows two hours with ten-minute blocks).
 */
export const MAX_FUTURE_DRIFT_MS = 15 * SECOND_MS

/**
 * Retargeting moves difficulty by at most 1/ADJUSTMENT_QUOTIENT of the parent's per block
 * when a block took no time, and by at most twice that downwards: a one-block fluke moves
 * difficulty a little, a lasting change in hash power moves it in tens of blocks.
 */
export const ADJUSTMENT_QUOTIENT = 8n

/** A block interval longer than this many target times counts as this many (caps the drop). */
export const MAX_COUNTED_INTERVALS = 3n

/** Proof-of-work nonce length: the seal of a proof-of-work header. */
export const POW_NONCE_BYTES = 8

/** Hashes a miner tries between looks at its stop flag: ~10 ms of work on one core. */
export const MINING_CHUNK_HASHES = 5_000
