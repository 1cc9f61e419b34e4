import { ChainCommand, CommandError, networkFlags } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { verifyChainStore, type VerifyReport } from '../../chain/verify.js'
import { createConsensus } from '../../consensus/create.js'
import { withOfflineChain } from '../../client/offline.js'

export default class DbVerify extends ChainCommand<typeof DbVerify> {
  static override summary = 'Check that the chain database agrees with itself.'
  static override description =
    'Walks the canonical chain from the head to genesis and checks every record against the others (blocks, heights, transaction index, receipts, undo logs, total work), then rebuilds the state trie from the flat state and compares its root with the head’s. Reads only; needs the node to be stopped (it holds the database). Exits with code 5 when it finds a problem.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --network dev --json']
  static override flags = { ...networkFlags }

  async run(): Promise<VerifyReport> {
    const report = await withOfflineChain(this.flags.datadir, this.flags, ({ genesis, store }) => verifyChainStore(store, createConsensus(genesis)))
    if (!this.jsonEnabled()) {
      this.log(`head ${report.height} ${report.head}: ${report.blocks} blocks, ${report.transactions} transactions, ${report.events} events, ${report.stateKeys} state keys`)
      for (const problem of report.problems) this.log(`  problem: ${problem}`)
    }
    if (report.problems.length > 0) {
      if (this.jsonEnabled()) process.exitCode = ExitCode.BadData
      else throw new CommandError(`the database has ${report.problems.length} problem(s)`, ExitCode.BadData)
    } else if (!this.jsonEnabled()) this.log('consistent')
    return report
  }
}
