import { ChainCommand } from '../../cli/base-command.js'
import { chooseGas, describeGasChoice } from '../../cli/gas.js'
import { parseArgsFlag, sendFlags } from '../../cli/transaction-flags.js'
import { describeReceipt } from '../../cli/transaction-text.js'
import { unlockForCommand } from '../../cli/unlock.js'
import { lockAccount } from '../../keystore/accounts.js'
import { Flags } from '@oclif/core'
import { parseContractAddress } from '../../crypto/identity.js'
import { requireNode } from '../../client/connect.js'
import { signAndSend, waitForInclusion, type GasChoice } from '../../client/wallet.js'
import type { ReceiptView } from '../../chain/views.js'

export interface TxSendResult {
  readonly tx: string
  /** The gas limit sent, and the estimate it came from (`null` with `--gas`). */
  readonly gas: GasChoice
  readonly status?: ReceiptView['status']
  readonly result?: unknown
  readonly events?: ReceiptView['events']
  readonly gasUsed?: number
  readonly block?: { readonly hash: string; readonly height: number }
  readonly error?: string | null
}

export default class TxSend extends ChainCommand<typeof TxSend> {
  static override summary = 'Call a contract method in a transaction (a contract-call).'
  static override description =
    'Signs with the keystore (the node identity unless --account), takes the next nonce from the running node (pending transactions counted), and submits. Without --gas, the gas limit is the node’s estimate on its pending state plus 25% (a call that would fail is not sent). With --wait, waits for a block and prints status, return value, events and gas used; a reverted or out-of-gas call then exits with code 1.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --to ct1… --method increment --args \'[5]\' --wait',
    'CHAIN_PASSWORD=… <%= config.bin %> <%= command.id %> --to ct1… --method transfer --args \'["ch1…", 10]\' --json',
  ]
  static override flags = {
    to: Flags.string({ summary: 'Address of the contract to call (ct1…).', required: true, helpValue: 'ADDRESS' }),
    method: Flags.string({ summary: 'Name of the method to call.', required: true }),
    ...sendFlags,
  }

  async run(): Promise<TxSendResult> {
    const contract = parseContractAddress(this.flags.to)
    const args = parseArgsFlag(this.flags.args)
    const client = await requireNode(this.flags.datadir)
    const account = await unlockForCommand(this.flags.datadir, { account: this.flags.account, passwordFile: this.flags['password-file'] })
    const payload = { kind: 'contract-call', contract, method: this.flags.method, args } as const
    let submitted
    let gas
    try {
      gas = await chooseGas(client, account, payload, this.flags.gas)
      if (!this.jsonEnabled()) this.logToStderr(describeGasChoice(gas))
      submitted = await signAndSend(client, account, payload, gas.limit)
    } finally {
      lockAccount(account)
    }
    if (!this.flags.wait) {
      if (!this.jsonEnabled()) this.log(`sent ${submitted.hash}`)
      return { tx: submitted.hash, gas }
    }
    const included = await waitForInclusion(client, submitted.hash, this.flags.timeout * 1000)
    const receipt = included.receipt!
    const result: TxSendResult = {
      tx: submitted.hash,
      gas,
      status: receipt.status,
      result: receipt.result,
      events: receipt.events,
      gasUsed: receipt.gasUsed,
      block: { hash: included.block!.hash, height: included.block!.height },
      error: receipt.error,
    }
    if (!this.jsonEnabled()) {
      this.log(`${receipt.status} in block ${result.block!.height}: ${submitted.hash}`)
      this.log(describeReceipt(receipt, submitted.tx.gasLimit).slice(1).join('\n'))
    }
    if (receipt.status !== 'ok') process.exitCode = 1
    return result
  }
}
