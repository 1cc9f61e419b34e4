/**
 * The node's JSON-RPC API, method by method: the params each takes and the result it answers
 * (docs/rpc.md). The node's methods are typed by it (src/node/rpc-methods.ts) and the client
 * library's calls are too (src/client), so the two cannot drift apart.
 */
import type { EventView } from '../chain/events.js'
import type { BlockView, EncryptionKeyView, ReceiptView, TransactionStatusView, TransactionView } from '../chain/views.js'

export interface PeerView {
  readonly peerId: string
  readonly addresses: readonly string[]
  readonly direction: 'inbound' | 'outbound'
  readonly latencyMs?: number | undefined
  readonly height?: number | undefined
  /** gossipsub's score of the peer: negative once it sent invalid gossip. */
  readonly gossipScore: number
  /** Penalty points in this node's book (decaying; a ban at 100). */
  readonly penaltyPoints: number
}

export interface SyncView {
  readonly target: number
  readonly current: number
}

export interface StatusView {
  readonly network: string
  /** The network id: the genesis block's hash. */
  readonly genesis: string
  readonly height: number
  readonly head: string
  readonly totalWork: string
  readonly peers: number
  readonly syncing: SyncView | false
  readonly peerId: string
  readonly mempool: { readonly transactions: number; readonly bytes: number }
  readonly mining: { readonly enabled: boolean; readonly hashRate: number; readonly blocksMined: number }
  /** The consensus; on proof-of-authority the signers at the head; whether this node makes blocks. */
  readonly consensus: ConsensusView
}

/** What `chain status` and the status line show of the consensus. */
export interface ConsensusView {
  readonly type: 'pow' | 'poa'
  /** Proof-of-authority: signers at the head. */
  readonly signers?: number | undefined
  /** Whether this node makes blocks now: mining (PoW), or sealing as a signer at the head (PoA). */
  readonly signing: boolean
}

export type BlockResult = BlockView & { readonly canonical: boolean }

export type ReceiptResult = ReceiptView & { readonly block: { readonly hash: string; readonly height: number; readonly index: number } }

export interface CallResult {
  readonly result: unknown
  readonly gasUsed: number
  /** How many events the call emitted (a read-only call records none). */
  readonly events: number
}

export interface ParticipantView {
  readonly id: string
  readonly publicKey: string
  readonly name: string | null
  readonly nonce: number
  /** The nonce the participant's next transaction needs, pending ones counted. */
  readonly nextNonce: number
  /** Its published encryption key, with the binding that proves it is its own (docs/records.md). */
  readonly encryptionKey: EncryptionKeyView | null
}

/** An encrypted record's whole transaction, encoded (the wallet checks and decrypts it itself). */
export interface RecordResult {
  readonly tx: string
  readonly pending: boolean
  readonly block: { readonly hash: string; readonly height: number; readonly index: number } | null
}

export interface RecordListEntry {
  readonly hash: string
  readonly sender: string
  readonly height: number
}

export interface NonceView {
  readonly registered: boolean
  readonly nonce: number
  readonly next: number
}

export interface ContractView {
  readonly address: string
  readonly code: string
  readonly deployer: string
}

export interface ContractStorageView {
  readonly address: string
  /** The head the storage was read at. */
  readonly height: number
  readonly entries: readonly { readonly key: string; readonly value: unknown }[]
  /** More entries than the limit: the rest were left out. */
  readonly truncated: boolean
}

export interface EventsPageView {
  readonly events: readonly EventView[]
  /** Pass it back as `cursor` for the next page; `null` when there is no more. */
  readonly cursor: string | null
}

export interface EventFilterParams {
  /** A contract address (`ct1…`); every contract's when omitted. */
  readonly contract?: string
  /** Event names; any name when omitted. */
  readonly names?: readonly string[]
}

/** `latest`, a height, or a block hash. */
export type BlockParam = number | string

/** What each subscription kind sends, and the filter it takes. */
export interface SubscriptionKinds {
  readonly newHeads: { readonly params: Record<string, never>; readonly item: BlockView }
  readonly events: { readonly params: EventFilterParams; readonly item: EventView }
  readonly pendingTransactions: { readonly params: Record<string, never>; readonly item: TransactionView }
}
export type SubscriptionKind = keyof SubscriptionKinds

/** A signer of a proof-of-authority network: its key and the participant id derived from it. */
export interface SignerView {
  readonly publicKey: string
  readonly id: string
}

export interface SignersResult {
  readonly signers: readonly SignerView[]
  readonly votes: readonly { readonly voter: SignerView; readonly target: SignerView; readonly add: boolean }[]
  /** This node's own proposals, voted in the blocks it seals while they would change something. */
  readonly proposals: readonly { readonly target: SignerView; readonly add: boolean }[]
  /** This node's signing key, and whether it is a signer at the head. */
  readonly self: { readonly publicKey: string; readonly isSigner: boolean }
}

export interface VoteResult {
  readonly target: SignerView
  readonly add: boolean
  /** False when the vote would change nothing at the head (adding a signer, removing a non-signer). */
  readonly changesSomething: boolean
  /** Whether this node is a signer at the head: only a signer's blocks carry its votes. */
  readonly voterIsSigner: boolean
}

/** What the node said of a transaction run on its pending state (RPC `estimateGas`). */
export interface GasEstimate {
  readonly status: 'ok' | 'reverted' | 'out-of-gas'
  readonly gasUsed: number
  readonly error: string | null
  readonly blockGasLimit: number
}

/** What `sendTransactions` answers for each transaction: its hash, or why it was refused (as `sendTransaction`'s error). */
export type SendOutcome = { readonly hash: string } | { readonly error: { readonly code: number; readonly message: string; readonly data?: unknown } }

/** Every method: its params and its result. */
export interface RpcApi {
  readonly signers: { readonly params: Record<string, never>; readonly result: SignersResult }
  readonly voteSigner: { readonly params: { readonly target: string; readonly add: boolean }; readonly result: VoteResult }
  readonly status: { readonly params: Record<string, never>; readonly result: StatusView }
  readonly peers: { readonly params: Record<string, never>; readonly result: readonly PeerView[] }
  readonly getBlock: { readonly params: { readonly block?: BlockParam }; readonly result: BlockResult }
  readonly getBlocks: { readonly params: { readonly to?: number; readonly count?: number }; readonly result: readonly BlockResult[] }
  readonly getTransaction: { readonly params: { readonly hash: string }; readonly result: TransactionStatusView }
  readonly getReceipt: { readonly params: { readonly hash: string }; readonly result: ReceiptResult }
  readonly sendTransaction: { readonly params: { readonly tx: string }; readonly result: { readonly hash: string } }
  readonly sendTransactions: { readonly params: { readonly txs: readonly string[] }; readonly result: readonly SendOutcome[] }
  readonly estimateGas: { readonly params: { readonly tx: string }; readonly result: GasEstimate }
  readonly call: {
    readonly params: { readonly contract: string; readonly method: string; readonly args?: unknown; readonly at?: number; readonly from?: string }
    readonly result: CallResult
  }
  readonly getParticipant: { readonly params: { readonly id: string; readonly at?: number }; readonly result: ParticipantView }
  readonly getNonce: { readonly params: { readonly id: string }; readonly result: NonceView }
  readonly getRecord: { readonly params: { readonly hash: string }; readonly result: RecordResult }
  readonly listRecords: { readonly params: { readonly id: string }; readonly result: readonly RecordListEntry[] }
  readonly getContract: { readonly params: { readonly address: string; readonly at?: number }; readonly result: ContractView }
  readonly getContractStorage: { readonly params: { readonly address: string; readonly limit?: number }; readonly result: ContractStorageView }
  readonly getEvents: {
    readonly params: EventFilterParams & { readonly fromHeight?: number; readonly toHeight?: number; readonly limit?: number; readonly cursor?: string }
    readonly result: EventsPageView
  }
  readonly subscribe: { readonly params: { readonly kind: SubscriptionKind } & EventFilterParams; readonly result: { readonly subscription: string } }
  readonly unsubscribe: { readonly params: { readonly subscription: string }; readonly result: { readonly unsubscribed: boolean } }
}
export type RpcMethodName = keyof RpcApi
