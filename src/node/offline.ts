/**
 * Opening a data dir's chain database without a node, for the read-only commands. A running
 * node holds LevelDB's lock: then the commands ask it over RPC instead (src/rpc/client.ts).
 */
import { networkIdOf } from '../chain/genesis-block.js'
import type { GenesisConfig } from '../ledger/genesis.js'
import { ChainStore } from '../store/chain-store.js'
import { chainDbDir, resolveNetwork, type NetworkChoice } from './datadir.js'

export interface OfflineChain {
  readonly genesis: GenesisConfig
  readonly networkId: Uint8Array
  readonly store: ChainStore
}

/** Opens the chain database of the chosen network, runs `task` on it, and closes it. */
export async function withOfflineChain<T>(datadir: string, choice: NetworkChoice, task: (chain: OfflineChain) => T | Promise<T>): Promise<T> {
  const genesis = await resolveNetwork(datadir, choice)
  const networkId = await networkIdOf(genesis)
  const store = await ChainStore.open(chainDbDir(datadir, genesis.network), networkId)
  try {
    return await task({ genesis, networkId, store })
  } finally {
    await store.close()
  }
}
