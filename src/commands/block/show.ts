import { Args } from '@oclif/core'
import { findBlock, parseBlockSelector } from '../../chain/queries.js'
import { blockView, type BlockView } from '../../chain/views.js'
import { ChainCommand, CommandError, networkFlags } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { nodeClient } from '../../client/connect.js'
import { withOfflineChain } from '../../client/offline.js'

export type BlockShowResult = BlockView & { readonly canonical: boolean }

export default class BlockShow extends ChainCommand<typeof BlockShow> {
  static override summary = 'Show a block: latest, by height, or by hash.'
  static override description =
    'Asks the node running on the data dir, or reads its chain database when no node runs. Heights refer to the canonical chain; a hash can name a block of a side branch too.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> latest',
    '<%= config.bin %> <%= command.id %> 42 --network dev',
    '<%= config.bin %> <%= command.id %> 3f1c…e9 --json',
  ]
  static override args = {
    block: Args.string({ description: 'latest, a height, or a block hash (64 hex digits)', default: 'latest' }),
  }
  static override flags = { ...networkFlags }

  async run(): Promise<BlockShowResult> {
    const selector = parseBlockSelector(this.args.block)
    const node = await nodeClient(this.flags.datadir, this.flags.network)
    const result = node
      ? await node.getBlock(this.args.block)
      : await withOfflineChain(this.flags.datadir, this.flags, ({ store }) => {
          const found = findBlock(store, selector)
          if (found === undefined) throw new CommandError(`block ${this.args.block} not found`, ExitCode.NotFound)
          return { ...blockView(found.block, found.meta.totalWork), canonical: found.canonical }
        })
    if (!this.jsonEnabled()) {
      this.log(`block ${result.height}${result.canonical ? '' : ' (side branch)'}  ${result.hash}`)
      this.log(`  parent       ${result.parentHash}`)
      this.log(`  time         ${result.time}`)
      this.log(`  producer     ${result.producer}`)
      this.log(`  transactions ${result.transactions.length}`)
      this.log(`  gas used     ${result.gasUsed}`)
      this.log(`  difficulty   ${result.difficulty}   total work ${result.totalWork}`)
      this.log(`  state root   ${result.stateRoot}`)
      for (const tx of result.transactions) this.log(`    ${tx}`)
    }
    return result
  }
}
