/**
 * How commands reach the node running on a data dir: through `node.json` and the RPC cookie.
 */
import { RpcClient, RpcClientError } from '../rpc/client.js'
import { nodeInfoFile, rpcCookieFile } from './datadir.js'

/**
 * A client of the node running on `datadir` (on `network`, when one is named), or `undefined`
 * when none runs there.
 */
export async function nodeClient(datadir: string, network?: string): Promise<RpcClient | undefined> {
  const client = await RpcClient.forNode(nodeInfoFile(datadir), rpcCookieFile(datadir))
  return network === undefined || client?.node?.network === network ? client : undefined
}

/** A client of the node running on `datadir`; `RPC_CLIENT_ERROR_NO_NODE` when none runs there. */
export async function requireNode(datadir: string): Promise<RpcClient> {
  const client = await nodeClient(datadir)
  if (client === undefined) {
    throw new RpcClientError('RPC_CLIENT_ERROR_NO_NODE', `no node is running on ${datadir}: start one with \`chain node --datadir ${datadir}\``)
  }
  return client
}
