/** Constants of the state layer, each with the reason for its value. */

const MIB = 1024 * 1024

/**
 * Bytes of state trie nodes kept in memory between blocks. A block of 1,000 changes in a state
 * of a million keys touches about 6,000 nodes of up to ~530 bytes (a full branch): 32 MiB keeps
 * the upper levels every block shares, and a few blocks' worth of the rest, while LevelDB's
 * own cache serves the cold lower levels.
 */
export const TRIE_NODE_CACHE_BYTES = 32 * MIB
