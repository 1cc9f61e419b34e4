/** Constants of the state layer, each with the reason for its value. */

const MIB = 1024 * 1024

/**
 * Bytes of state trie nodes kept in memory between blocks. A block of 1,000 changes in a state
 * of a million keys touches about 6,000 nodes of up to ~530 bytes (a full branch): 32 MiB keeps
 * the upper levels every block shares, and a few blocks' worth of the rest, while LevelDB's
 * own cache serves the cold lower levels.
 */
export const TRIE_NODE_CACHE_BYTES = 32 * MIB

/**
 * Bytes of flat head-state values (and of keys known to be absent) kept in memory between
 * blocks, each charged its bytes, its array's overhead, its key and the entry's: ~25,000 values
 * of a few dozen bytes. A block of 1,000 token transfers reads ~3,000 (two balances and a
 * participant record each) and the next block reads most of them again; from LevelDB each read
 * cost ~6 µs (a native call, the memtable, the levels' filters), from the cache under 1.
 */
export const STATE_CACHE_BYTES = 16 * MIB
