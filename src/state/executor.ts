/**
 * Block execution: the one place where transactions change the state.
 *
 * Executing a block yields the state root, receipts root and gas used that its header must
 * carry: a block whose header says otherwise is invalid. A transaction that breaks a rule of the
 * state (an unregistered sender, a wrong nonce, a registration of an id that exists, more gas
 * than the block has left) makes the whole block invalid. A transaction that is valid but whose
 * contract code fails is included all the same: its receipt says `reverted` or `out-of-gas`, its
 * gas is spent, its nonce is used, and every change it made is rolled back.
 */
import { ChainError } from '../errors.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { contractAddressOf, formatContractAddress, formatParticipantId, parseContractAddress } from '../crypto/identity.js'
import type { Block, BlockHeader, ChainParams } from '../ledger/block.js'
import { intrinsicGas, senderOf, transactionHash, type RecordPayload, type Transaction } from '../ledger/transaction.js'
import type { BlockInfo, ContractVm, ExecutionOutcome, ScopeEnd } from '../vm/vm.js'
import { OverlayContractHost } from './contract-host.js'
import { StateOverlay, type StateChange, type StateReader } from './overlay.js'
import { decodeParticipant, encodeParticipant, encodeRecordIndexEntry, participantKey, recordIndexKey, type ParticipantRecord } from './records.js'
import { receiptsRoot, type Receipt } from './receipts.js'
import type { StateTrie } from './trie.js'

export type ExecutionErrorCode =
  | 'EXECUTION_ERROR_NOT_REGISTERED' // the sender has no participant record (and this is not its registration)
  | 'EXECUTION_ERROR_ALREADY_REGISTERED' // a registration for an id that is registered
  | 'EXECUTION_ERROR_BAD_NONCE' // the nonce is not the sender's next one
  | 'EXECUTION_ERROR_UNKNOWN_RECIPIENT' // a record to a participant that is not registered
  | 'EXECUTION_ERROR_STALE_RECIPIENT_KEY' // a record wrapped to a key that is not the recipient's current one (or it has none)
  | 'EXECUTION_ERROR_BLOCK_GAS_EXCEEDED' // the gas limit is above what the block has left
  | 'EXECUTION_ERROR_STATE_ROOT_MISMATCH' // the header's state root is not the result
  | 'EXECUTION_ERROR_RECEIPTS_ROOT_MISMATCH' // the header's receipts root is not the result
  | 'EXECUTION_ERROR_GAS_USED_MISMATCH' // the header's gasUsed is not the sum of the receipts

export class ExecutionError extends ChainError<ExecutionErrorCode, { detail: string; index?: number }> {
  constructor(code: ExecutionErrorCode, detail: string, index?: number) {
    super(code, index === undefined ? { detail } : { detail, index }, `${index === undefined ? '' : `transaction ${index}: `}${detail}`)
  }
}

/** The outcome of executing a list of transactions on a parent state. */
export interface BlockExecution {
  readonly stateRoot: Uint8Array
  readonly receiptsRoot: Uint8Array
  readonly receipts: readonly Receipt[]
  readonly gasUsed: number
  /** The state writes, in the order first made. */
  readonly changes: readonly StateChange[]
  /** For each changed key, its value before the block (`null`: absent): how to undo the block. */
  readonly undo: readonly StateChange[]
  /** The overlay the block ran in, as it ended: the next block's execution may continue from it. */
  readonly end: ScopeEnd
}

/** Reads the participant record of `id` in `state`, if registered. */
export function readParticipant(state: StateReader, id: Uint8Array): ParticipantRecord | undefined {
  const bytes = state.get(participantKey(id))
  return bytes === undefined ? undefined : decodeParticipant(bytes)
}

/** The nonce the next transaction of `id` must carry in `state`. */
export function nextNonce(state: StateReader, id: Uint8Array): number {
  return readParticipant(state, id)?.nonce ?? 0
}

/**
 * The rules of the state for one transaction, without running it: registered sender (or a
 * first registration), next nonce. Throws `ExecutionError`.
 */
export function checkTransactionAgainstState(state: StateReader, tx: Transaction, index?: number): ParticipantRecord | undefined {
  const sender = senderOf(tx)
  const record = readParticipant(state, sender)
  if (tx.kind === 'participant') {
    if (record !== undefined) {
      throw new ExecutionError('EXECUTION_ERROR_ALREADY_REGISTERED', `${formatParticipantId(sender)} is already registered`, index)
    }
  } else if (record === undefined) {
    throw new ExecutionError('EXECUTION_ERROR_NOT_REGISTERED', `${formatParticipantId(sender)} is not registered`, index)
  }
  const expected = record?.nonce ?? 0
  if (tx.nonce !== expected) {
    throw new ExecutionError('EXECUTION_ERROR_BAD_NONCE', `nonce ${tx.nonce}, expected ${expected}`, index)
  }
  if (tx.kind === 'record') checkRecipients(state, tx, index)
  return record
}

/**
 * Every recipient of a record is registered and the key its content key was wrapped to is its
 * current encryption key: a record sent to a rotated-away key would be readable only with a
 * key its owner replaced, perhaps because it leaked.
 */
function checkRecipients(state: StateReader, tx: RecordPayload, index?: number): void {
  for (const recipient of tx.recipients) {
    const record = readParticipant(state, recipient.id)
    const id = formatParticipantId(recipient.id)
    if (record === undefined) throw new ExecutionError('EXECUTION_ERROR_UNKNOWN_RECIPIENT', `recipient ${id} is not registered`, index)
    if (record.encryptionKey === undefined || !bytesEqual(record.encryptionKey.publicKey, recipient.key)) {
      throw new ExecutionError('EXECUTION_ERROR_STALE_RECIPIENT_KEY', `recipient ${id}: not its current encryption key`, index)
    }
  }
}

export function blockInfo(header: Pick<BlockHeader, 'height' | 'timestamp' | 'parentHash'>): BlockInfo {
  return { height: header.height, timestamp: header.timestamp, parentHash: toHex(header.parentHash) }
}

function receiptOf(outcome: ExecutionOutcome, intrinsic: number, contract: Uint8Array | null): Receipt {
  return {
    status: outcome.status,
    gasUsed: intrinsic + outcome.gasUsed,
    result: outcome.result,
    error: outcome.error,
    events: outcome.events.map((event) => ({ contract: parseContractAddress(event.contract), name: event.name, data: event.data })),
    touched: outcome.touched.map(parseContractAddress),
    contract: outcome.status === 'ok' ? contract : null,
  }
}

/**
 * The kinds that run no code: a registration (with its first encryption key, if any), a new
 * encryption key replacing the current one, and a record, indexed under each recipient.
 */
function applyIdentityTransaction(
  state: StateOverlay,
  tx: Transaction & { kind: 'participant' | 'encryption-key' | 'record' },
  record: ParticipantRecord | undefined,
  block: BlockInfo,
): void {
  const sender = senderOf(tx)
  switch (tx.kind) {
    case 'participant': {
      const registered = { publicKey: tx.publicKey, name: tx.name, nonce: 1 }
      state.set(participantKey(sender), encodeParticipant(tx.encryptionKey === undefined ? registered : { ...registered, encryptionKey: tx.encryptionKey }))
      return
    }
    case 'encryption-key':
      state.set(participantKey(sender), encodeParticipant({ ...record!, nonce: record!.nonce + 1, encryptionKey: tx.encryptionKey }))
      return
    case 'record': {
      const hash = transactionHash(tx)
      const entry = encodeRecordIndexEntry({ sender, height: block.height })
      for (const recipient of tx.recipients) state.set(recordIndexKey(recipient.id, hash), entry)
      state.set(participantKey(sender), encodeParticipant({ ...record!, nonce: record!.nonce + 1 }))
      return
    }
  }
}

/** The block gas rule: a transaction's gas limit within what the block has left. */
function checkGasLeft(tx: Transaction, gasLeft: number, index?: number): void {
  if (tx.gasLimit > gasLeft) {
    throw new ExecutionError('EXECUTION_ERROR_BLOCK_GAS_EXCEEDED', `gas limit ${tx.gasLimit} above the ${gasLeft} left in the block`, index)
  }
}

export class BlockExecutor {
  constructor(
    readonly vm: ContractVm,
    private readonly params: ChainParams,
  ) {}

  /**
   * Applies one transaction to `state` with `gasLeft` gas left in the block. Stateful rule
   * violations throw `ExecutionError` and leave `state` unchanged; `VmError` (this node could not
   * run the code) propagates, also leaving `state` unchanged.
   */
  async applyTransaction(state: StateOverlay, tx: Transaction, block: BlockInfo, gasLeft: number, index?: number): Promise<Receipt> {
    checkGasLeft(tx, gasLeft, index)
    return this.startTransaction(state, tx, block, index)
  }

  /**
   * Checks `tx` against `state` and applies what does not depend on running its code (its
   * nonce, an identity transaction) at once, then sends its code to the VM, and gives the
   * receipt once that ran: the next transaction may start meanwhile, and its code runs after
   * this one's, seeing its changes. The block's gas limit is not checked here (see `execute`).
   */
  private startTransaction(state: StateOverlay, tx: Transaction, block: BlockInfo, index?: number): Promise<Receipt> {
    const record = checkTransactionAgainstState(state, tx, index)
    const sender = senderOf(tx)
    const intrinsic = intrinsicGas(tx)
    if (tx.kind === 'participant' || tx.kind === 'encryption-key' || tx.kind === 'record') {
      applyIdentityTransaction(state, tx, record, block)
      return Promise.resolve({ status: 'ok', gasUsed: intrinsic, result: null, error: null, events: [], touched: [], contract: null })
    }
    const host = new OverlayContractHost(state, sender)
    const request = { host, block, sender: formatParticipantId(sender), gasLimit: tx.gasLimit - intrinsic }
    let outcome: Promise<ExecutionOutcome>
    let created: Uint8Array | null = null
    if (tx.kind === 'contract-deploy') {
      created = contractAddressOf(sender, tx.nonce)
      const contract = formatContractAddress(created)
      // No transaction of a block can put code at this address before this one: addresses
      // come from (sender, nonce), and contracts cannot deploy. So this read need not wait.
      outcome =
        host.getCode(contract) === undefined
          ? this.vm.deploy({ ...request, contract, code: tx.code, args: tx.args })
          : Promise.resolve({ status: 'reverted', gasUsed: 0, result: null, error: 'a contract exists at this address', events: [], touched: [] })
    } else {
      outcome = this.vm.call({ ...request, contract: formatContractAddress(tx.contract), method: tx.method, args: tx.args })
    }
    state.set(participantKey(sender), encodeParticipant({ ...record!, nonce: record!.nonce + 1 }))
    return outcome.then((done) => receiptOf(done, intrinsic, created))
  }

  /** Roots and undo data once all of a block's transactions are applied to `state`. */
  finish(state: StateOverlay, parentStateRoot: Uint8Array, receipts: Receipt[], trie: StateTrie): BlockExecution {
    const changes = state.changed()
    const undo = changes.map(({ key }) => ({ key, value: state.baseValue(key) ?? null }))
    return {
      stateRoot: trie.apply(parentStateRoot, changes),
      receiptsRoot: receiptsRoot(receipts),
      receipts,
      gasUsed: receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0),
      changes,
      undo,
      end: state.end(),
    }
  }

  /**
   * Executes a received block on its parent's state (`base`) and checks that its header
   * commits to the result. Throws `ExecutionError` when the block is invalid. `continues`: the
   * overlay the parent ran in, as it ended, when `base` holds exactly its result.
   */
  async execute(block: Block, parent: BlockHeader, base: StateReader, trie: StateTrie, continues?: ScopeEnd): Promise<BlockExecution> {
    const state = new StateOverlay(base, continues)
    const info = blockInfo(block.header)
    // Transactions are sent to the VM ahead of their outcomes, so that the sandbox runs them back
    // to back while this thread checks and sends the next; but only as far as the gas of those
    // in flight, at their limits, fits in the block: a block that breaks the gas rule never
    // makes this node run more than the block's gas.
    const limit = this.params.blockGasLimit
    const inFlight: { receipt: Promise<Receipt>; gasLimit: number }[] = []
    const receipts: Receipt[] = []
    let gasUsed = 0
    let inFlightGas = 0
    const settleOldest = async (): Promise<void> => {
      const oldest = inFlight.shift()!
      inFlightGas -= oldest.gasLimit
      const receipt = await oldest.receipt
      gasUsed += receipt.gasUsed
      receipts.push(receipt)
    }
    try {
      for (const [index, tx] of block.transactions.entries()) {
        while (inFlight.length > 0 && gasUsed + inFlightGas + tx.gasLimit > limit) await settleOldest()
        checkGasLeft(tx, limit - gasUsed - inFlightGas, index)
        inFlight.push({ receipt: this.startTransaction(state, tx, info, index), gasLimit: tx.gasLimit })
        inFlightGas += tx.gasLimit
      }
      while (inFlight.length > 0) await settleOldest()
    } finally {
      // A refused block may leave executions in flight: let them end before its state is dropped.
      await Promise.allSettled(inFlight.map(({ receipt }) => receipt))
    }
    const result = this.finish(state, parent.stateRoot, receipts, trie)
    const { header } = block
    if (result.gasUsed !== header.gasUsed) {
      throw new ExecutionError('EXECUTION_ERROR_GAS_USED_MISMATCH', `gasUsed ${header.gasUsed}, executed ${result.gasUsed}`)
    }
    if (!bytesEqual(result.receiptsRoot, header.receiptsRoot)) {
      throw new ExecutionError('EXECUTION_ERROR_RECEIPTS_ROOT_MISMATCH', `receipts root ${toHex(header.receiptsRoot)}, executed ${toHex(result.receiptsRoot)}`)
    }
    if (!bytesEqual(result.stateRoot, header.stateRoot)) {
      throw new ExecutionError('EXECUTION_ERROR_STATE_ROOT_MISMATCH', `state root ${toHex(header.stateRoot)}, executed ${toHex(result.stateRoot)}`)
    }
    return result
  }
}
