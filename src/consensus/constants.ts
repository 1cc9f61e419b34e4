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

/** Proof-of-authority difficulty of a block sealed by the signer whose turn it is. */
export const POA_IN_TURN_DIFFICULTY = 2n
/** Proof-of-authority difficulty of a block sealed out of turn: the in-turn block outweighs it. */
export const POA_OUT_OF_TURN_DIFFICULTY = 1n

/**
 * How much longer than the in-turn signer an out-of-turn signer waits, per place in the order
 * of standby (docs/consensus.md). Fixed rather than random (geth waits a random time, and
 * random waits collide: go-ethereum #22799): the next signer in line seals first, the one
 * after it only if that one is silent too. Half a second covers gossip across a continent.
 */
export const POA_OUT_OF_TURN_STAGGER_MS = 500

/** Signer snapshots kept in memory, by block hash: a few reorgs' worth above the head. */
export const POA_SNAPSHOT_CACHE_SIZE = 256

/** Heights back from the highest seen for which the equivocation detector remembers sealers. */
export const POA_EQUIVOCATION_WINDOW_BLOCKS = 1_024
