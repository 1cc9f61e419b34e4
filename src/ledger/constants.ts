/**
 * Limits of the ledger's structures. They bound what a peer can make a node decode, hash,
 * store or execute, so each is checked before the work it bounds.
 */

const KIB = 1024

/** A whole encoded transaction; the largest is a deploy of the largest contract. */
export const MAX_TX_BYTES = 96 * KIB
/** Contract source: big enough for a real token or registry, small enough to gossip freely. */
export const MAX_CODE_BYTES = 64 * KIB
/** JSON arguments of a deploy or call. */
export const MAX_ARGS_BYTES = 16 * KIB
/** Method names are JavaScript identifiers; longer ones serve no purpose. */
export const MAX_METHOD_BYTES = 64
/** Optional display name of a participant. */
export const MAX_NAME_BYTES = 64
/**
 * An encoded block header is about 200 bytes, plus a proof-of-authority checkpoint's signer
 * list (32 bytes a signer, at most MAX_SIGNERS): the bound leaves room for both while keeping a
 * header-only download from a hostile peer cheap.
 */
export const MAX_HEADER_BYTES = 2 * KIB
/**
 * Most signers a proof-of-authority network may have: a checkpoint lists them all in a header,
 * and a set that large already makes a vote need 17 signers to agree.
 */
export const MAX_SIGNERS = 32
/** Hard ceiling on any block, whatever a genesis file asks for (networks choose less). */
export const MAX_BLOCK_BYTES_CEILING = 8 * KIB * KIB
/** Sanity ceiling on the number of transactions a block may list (bounds the Merkle tree). */
export const MAX_BLOCK_TXS = 20_000

/** Gas every transaction pays before any contract code runs: it pays for the signature check. */
export const TX_BASE_GAS = 1_000
/** Gas per byte of a transaction's payload (code, arguments, name): it pays for storage and relay. */
export const TX_GAS_PER_PAYLOAD_BYTE = 4

/** Upper bound on any gas limit: keeps gas arithmetic far inside exact JavaScript integers. */
export const MAX_GAS = 2 ** 40

/**
 * Recipients of one encrypted record (the sender among them). Each costs a wrapped key of
 * 132 bytes and an index entry in the state; 16 covers a team, and a larger audience is
 * better served by a group key (docs/records.md).
 */
export const MAX_RECORD_RECIPIENTS = 16
/** Plaintext of one encrypted record: a document or a small file, well inside a transaction. */
export const MAX_RECORD_PLAINTEXT_BYTES = 32 * KIB
/**
 * Gas per recipient of a record beyond its payload bytes: it writes one index entry to the
 * state (key and value about 80 bytes), priced as that many payload bytes.
 */
export const RECORD_GAS_PER_RECIPIENT = 80 * TX_GAS_PER_PAYLOAD_BYTE
