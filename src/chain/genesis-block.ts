/**
 * The genesis block of a network and its id: the hash of that block. Computing it needs the
 * initial state root, so it lives above the state layer.
 */
import { blockHash, type Block } from '../ledger/block.js'
import { genesisHeader, type GenesisConfig } from '../ledger/genesis.js'
import { genesisStateChanges } from '../state/genesis.js'
import type { StateChange } from '../state/overlay.js'
import { NO_STORED_NODES, StateTrie, type TrieNodeWrite } from '../state/trie.js'

export interface GenesisBlock {
  readonly block: Block
  /** The genesis block hash: the network id. */
  readonly hash: Uint8Array
  readonly state: readonly StateChange[]
  readonly trieNodes: readonly TrieNodeWrite[]
}

export function buildGenesisBlock(config: GenesisConfig): GenesisBlock {
  const trie = new StateTrie(NO_STORED_NODES)
  const state = genesisStateChanges(config)
  const stateRoot = trie.apply(trie.emptyRoot, state)
  const header = genesisHeader(config, stateRoot)
  return { block: { header, transactions: [] }, hash: blockHash(header), state, trieNodes: trie.takeNodeWrites() }
}

/** The network id of a genesis configuration. */
export function networkIdOf(config: GenesisConfig): Uint8Array {
  return buildGenesisBlock(config).hash
}
