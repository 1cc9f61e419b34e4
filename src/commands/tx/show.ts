import { Args } from '@oclif/core'
import { findTransaction, parseHash } from '../../chain/queries.js'
import { receiptView, transactionView, type TransactionStatusView } from '../../chain/views.js'
import { ChainCommand, CommandError, networkFlags } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { describeTransaction } from '../../cli/transaction-text.js'
import { toHex } from '../../encoding/bytes.js'
import { nodeClient } from '../../client/connect.js'
import { withOfflineChain } from '../../client/offline.js'

export default class TxShow extends ChainCommand<typeof TxShow> {
  static override summary = 'Show a transaction included in the chain, with its receipt.'
  static override description =
    'Asks the node running on the data dir (which also knows pending transactions), or reads its chain database when no node runs.'
  static override examples = ['<%= config.bin %> <%= command.id %> 9a0b…47', '<%= config.bin %> <%= command.id %> 9a0b…47 --json']
  static override args = {
    hash: Args.string({ description: 'transaction hash (64 hex digits)', required: true }),
  }
  static override flags = { ...networkFlags }

  async run(): Promise<TransactionStatusView> {
    const hash = parseHash(this.args.hash, 'transaction hash')
    const node = await nodeClient(this.flags.datadir, this.flags.network)
    const result = node
      ? await node.getTransaction(toHex(hash))
      : await withOfflineChain(this.flags.datadir, this.flags, ({ store }) => {
          const found = findTransaction(store, hash)
          if (found === undefined) throw new CommandError(`transaction ${toHex(hash)} not found`, ExitCode.NotFound)
          return {
            ...transactionView(found.tx, found.hash),
            pending: false,
            dropped: null,
            block: { hash: toHex(found.blockHash), height: found.height, index: found.index },
            receipt: found.receipt === undefined ? null : receiptView(found.receipt),
          }
        })
    if (!this.jsonEnabled()) this.log(describeTransaction(result).join('\n'))
    return result
  }
}
