import { Args, Flags } from '@oclif/core'
import { ChainCommand } from '../../cli/base-command.js'
import { parseArgsFlag } from '../../cli/transaction-flags.js'
import { parseContractAddress } from '../../crypto/identity.js'
import { requireNode } from '../../client/connect.js'

export default class ContractCall extends ChainCommand<typeof ContractCall> {
  static override summary = 'Call a contract method read-only: no transaction, nothing changes.'
  static override description =
    'The running node executes the method on the state of the head (or of --at HEIGHT) as if in the next block, and throws its changes away. A method that reverts or runs out of gas exits with code 1 and its message.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ct1… get',
    '<%= config.bin %> <%= command.id %> ct1… balanceOf --args \'["ch1…"]\' --at 120 --json',
  ]
  static override args = {
    address: Args.string({ description: 'address of the contract (ct1…)', required: true }),
    method: Args.string({ description: 'name of the method', required: true }),
  }
  static override flags = {
    args: Flags.string({ summary: 'Arguments as a JSON array.', default: '[]', helpValue: 'JSON' }),
    at: Flags.integer({ summary: 'Height of the canonical block whose state to read (default: the head).', min: 0 }),
    from: Flags.string({ summary: 'What the contract sees as msg.sender (a ch1… id).', helpValue: 'ID' }),
  }

  async run(): Promise<{ readonly result: unknown }> {
    parseContractAddress(this.args.address)
    const args = parseArgsFlag(this.flags.args)
    const client = await requireNode(this.flags.datadir)
    const { result } = await client.callContract(this.args.address, this.args.method, args, {
      ...(this.flags.at === undefined ? {} : { at: this.flags.at }),
      ...(this.flags.from === undefined ? {} : { from: this.flags.from }),
    })
    if (!this.jsonEnabled()) this.log(JSON.stringify(result, null, 2))
    return { result }
  }
}
