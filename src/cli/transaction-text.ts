/**
 * Transactions and receipts as text for people: what `tx show` prints, and the receipt part
 * that `tx send --wait` and `contract deploy --wait` print too. Every field of `--json` has a
 * line (the signature and public key aside: they are for machines).
 */
import type { ReceiptView, TransactionStatusView, TransactionView } from '../chain/views.js'

/** A label column wide enough for the longest label, so values line up. */
const line = (label: string, value: string): string => `  ${label.padEnd(9)}${value}`

/** The call a transaction makes: who is registered, what is deployed, which method is called. */
export function describePayload(tx: TransactionView): string[] {
  switch (tx.kind) {
    case 'participant':
      return [line('name', tx.name ?? '(none)'), line('key', tx.encryptionKey?.publicKey ?? '(none)')]
    case 'contract-deploy':
      return [line('code', `${Buffer.byteLength(tx.code, 'utf8')} bytes`), line('args', tx.args)]
    case 'contract-call':
      return [line('contract', tx.contract), line('method', tx.method), line('args', tx.args)]
    case 'encryption-key':
      return [line('key', tx.encryptionKey.publicKey)]
    case 'record':
      return [line('recipients', tx.recipients.map((recipient) => recipient.id).join(', ')), line('data', `${tx.ciphertextBytes} bytes, encrypted`)]
  }
}

/** Status, result or error, the contract deployed, events, and gas against the limit. */
export function describeReceipt(receipt: ReceiptView, gasLimit: number): string[] {
  const lines = [line('status', receipt.status)]
  if (receipt.status === 'ok') lines.push(line('result', JSON.stringify(receipt.result) ?? 'undefined'))
  else lines.push(line('error', receipt.error ?? ''))
  if (receipt.contract !== null) lines.push(line('deployed', receipt.contract))
  for (const event of receipt.events) lines.push(line('event', `${event.name} ${JSON.stringify(event.data)} (${event.contract})`))
  lines.push(line('gas used', `${receipt.gasUsed} of ${gasLimit}`))
  return lines
}

/** Where the transaction is: dropped from the pool (with the reason), pending, or in a block. */
function placement(result: TransactionStatusView): string {
  if (result.dropped !== null) return `  dropped: ${result.dropped.reason} (${result.dropped.detail})`
  if (result.block === null) return line('pending', 'in the mempool')
  return line('block', `${result.block.height} (${result.block.hash}) #${result.block.index}`)
}

export function describeTransaction(result: TransactionStatusView): string[] {
  return [
    `transaction ${result.hash}`,
    line('kind', result.kind),
    line('sender', `${result.sender}  nonce ${result.nonce}`),
    ...describePayload(result),
    placement(result),
    ...(result.receipt === null ? [] : describeReceipt(result.receipt, result.gasLimit)),
  ]
}
