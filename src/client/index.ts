/**
 * `chain/client`: the library scripts use to talk to a running node (docs/client.md).
 *
 *   import { ChainClient, unlockIdentity } from 'chain/client'
 *   const client = await ChainClient.connect(datadir)
 *   const account = await unlockIdentity(datadir, password)
 *   const { included } = await client.send(account, { kind: 'contract-deploy', code, args: '[]' }, { wait: true })
 */
export { ChainClient, DEFAULT_GAS_LIMIT, DEFAULT_INCLUSION_TIMEOUT_MS, type SendOptions } from './chain-client.js'
export { Subscription } from './socket.js'
export { WalletError, type SigningAccount, type Submitted } from './wallet.js'
export { unlockIdentity } from './accounts.js'
export { RpcClient, RpcClientError, type NodeInfo } from '../rpc/client.js'
export { RpcErrorCode } from '../rpc/protocol.js'
export type * from '../rpc/api.js'
export type { EventView } from '../chain/events.js'
export type { BlockView, ReceiptView, TransactionStatusView, TransactionView } from '../chain/views.js'
export type { ClientPayload } from './payload.js'
