/**
 * Opening a data dir's chain database without a node, for the read-only commands. A running
 * node holds LevelDB's lock: then the commands ask it over RPC instead (src/rpc/client.ts).
 */
import { networkIdOf } from '../chain/genesis-block.js'
import type { GenesisConfig } from '../ledger/genesis.js'
import { parseParticipantId } from '../crypto/identity.js'
import { readParticipant } from '../state/executor.js'
import { ChainStore, StoreError } from '../store/chain-store.js'
import { chainDbDir, networksIn, resolveNetwork, type NetworkChoice } from '../node/datadir.js'
import { nodeClient } from './connect.js'

export interface OfflineChain {
  readonly genesis: GenesisConfig
  readonly networkId: Uint8Array
  readonly store: ChainStore
}

/** Opens the chain database of the chosen network, runs `task` on it, and closes it. */
export async function withOfflineChain<T>(datadir: string, choice: NetworkChoice, task: (chain: OfflineChain) => T | Promise<T>): Promise<T> {
  const genesis = await resolveNetwork(datadir, choice)
  const networkId = networkIdOf(genesis)
  const store = await ChainStore.open(chainDbDir(datadir, genesis.network), networkId)
  try {
    return await task({ genesis, networkId, store })
  } finally {
    await store.close()
  }
}

/** What the chain knows of a participant: registered or not, and the nonce of its next transaction. */
export interface ParticipantStanding {
  readonly registered: boolean
  /** Transactions of `id` included so far: the nonce its next one carries (pending ones aside). */
  readonly nonce: number
}

/**
 * Whether `id` is registered on the chain of the data dir, and its nonce: asked of the running
 * node when there is one, else read from the chain database; `undefined` when the data dir has
 * no chain data yet (or several networks and none chosen).
 */
export async function participantStandingOf(datadir: string, id: string, choice: NetworkChoice): Promise<ParticipantStanding | undefined> {
  const node = await nodeClient(datadir, choice.network)
  if (node !== undefined) {
    const { registered, nonce } = await node.getNonce(id)
    return { registered, nonce }
  }
  if (choice.genesis === undefined && choice.network === undefined && networksIn(datadir).length !== 1) return undefined
  try {
    return await withOfflineChain(datadir, choice, ({ store }) => {
      const record = readParticipant(store.state, parseParticipantId(id))
      return { registered: record !== undefined, nonce: record?.nonce ?? 0 }
    })
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_ERROR_NOT_FOUND') return undefined
    throw error
  }
}

/** Whether each of `ids` is registered, as `participantStandingOf` tells: one node client, or one opening of the database. */
export async function registrationsOf(datadir: string, ids: readonly string[], choice: NetworkChoice): Promise<(boolean | undefined)[]> {
  const node = await nodeClient(datadir, choice.network)
  if (node !== undefined) return Promise.all(ids.map(async (id) => (await node.getNonce(id)).registered))
  const unknown = ids.map(() => undefined)
  if (choice.genesis === undefined && choice.network === undefined && networksIn(datadir).length !== 1) return unknown
  try {
    return await withOfflineChain(datadir, choice, ({ store }) => ids.map((id) => readParticipant(store.state, parseParticipantId(id)) !== undefined))
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_ERROR_NOT_FOUND') return unknown
    throw error
  }
}
