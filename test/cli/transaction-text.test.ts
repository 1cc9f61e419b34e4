/**
 * The text of `tx show` (and the receipt part of `tx send --wait`): every field a person needs
 * is there — the call (contract, method, arguments), and the receipt (status, result or error,
 * events, gas) — for each kind of transaction.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ReceiptView, TransactionStatusView } from '../../src/chain/views.js'
import { describeTransaction } from '../../src/cli/transaction-text.js'

const HASH = 'ab'.repeat(32)
const BLOCK = 'cd'.repeat(32)
const common = { hash: HASH, sender: 'ch1sender', publicKey: '00', nonce: 4, gasLimit: 50_000, signature: '00', pending: false, dropped: null, block: { hash: BLOCK, height: 12, index: 1 } }
const okReceipt: ReceiptView = {
  status: 'ok',
  gasUsed: 1234,
  result: 15,
  error: null,
  events: [{ contract: 'ct1counter', name: 'Incremented', data: { by: 5, total: 15 } }],
  touched: ['ct1counter'],
  contract: null,
}

describe('tx show as text', () => {
  it('a contract call: the contract, method and arguments, then status, result, events and gas', () => {
    const view: TransactionStatusView = { ...common, kind: 'contract-call', contract: 'ct1counter', method: 'increment', args: '[5]', receipt: okReceipt }
    assert.deepEqual(describeTransaction(view), [
      `transaction ${HASH}`,
      '  kind     contract-call',
      '  sender   ch1sender  nonce 4',
      '  contract ct1counter',
      '  method   increment',
      '  args     [5]',
      `  block    12 (${BLOCK}) #1`,
      '  status   ok',
      '  result   15',
      '  event    Incremented {"by":5,"total":15} (ct1counter)',
      '  gas used 1234 of 50000',
    ])
  })

  it('a reverted deploy: the code size, arguments, the error, and no result', () => {
    const view: TransactionStatusView = {
      ...common,
      kind: 'contract-deploy',
      code: 'export const é = 1',
      args: '[10]',
      receipt: { ...okReceipt, status: 'reverted', result: null, error: 'init threw: no', events: [], contract: 'ct1new' },
    }
    assert.deepEqual(describeTransaction(view).slice(3), [
      '  code     19 bytes',
      '  args     [10]',
      `  block    12 (${BLOCK}) #1`,
      '  status   reverted',
      '  error    init threw: no',
      '  deployed ct1new',
      '  gas used 1234 of 50000',
    ])
  })

  it('a pending registration: the name, no receipt', () => {
    const view: TransactionStatusView = { ...common, kind: 'participant', name: 'alice', encryptionKey: null, pending: true, block: null, receipt: null }
    assert.deepEqual(describeTransaction(view).slice(3), ['  name     alice', '  key      (none)', '  pending  in the mempool'])
  })

  it('a dropped call: the reason instead of a block', () => {
    const view: TransactionStatusView = {
      ...common,
      kind: 'contract-call',
      contract: 'ct1counter',
      method: 'increment',
      args: '[]',
      block: null,
      dropped: { reason: 'replaced', detail: 'by a transaction with a higher gas limit' },
      receipt: null,
    }
    assert.deepEqual(describeTransaction(view).slice(6), ['  dropped: replaced (by a transaction with a higher gas limit)'])
  })
})
