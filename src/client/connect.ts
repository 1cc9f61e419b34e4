/**
 * How commands reach the node running on a data dir: through `node.json` and the RPC cookie.
 */
import { ChainClient } from './chain-client.js'

/**
 * A client of the node running on `datadir` (on `network`, when one is named), or `undefined`
 * when none runs there.
 */
export async function nodeClient(datadir: string, network?: string): Promise<ChainClient | undefined> {
  const client = await ChainClient.forDatadir(datadir)
  return network === undefined || client?.node?.network === network ? client : undefined
}

/** A client of the node running on `datadir`; `RPC_CLIENT_ERROR_NO_NODE` when none runs there. */
export function requireNode(datadir: string): Promise<ChainClient> {
  return ChainClient.connect(datadir)
}
