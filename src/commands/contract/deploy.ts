import { Args } from '@oclif/core'
import { readFile, stat } from 'node:fs/promises'
import { ChainCommand, CommandError } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { chooseGas, describeGasChoice } from '../../cli/gas.js'
import { parseArgsFlag, sendFlags } from '../../cli/transaction-flags.js'
import { describeReceipt } from '../../cli/transaction-text.js'
import { unlockForCommand } from '../../cli/unlock.js'
import { lockAccount } from '../../keystore/accounts.js'
import { contractAddressOf, formatContractAddress, participantIdOf } from '../../crypto/identity.js'
import { fromUtf8 } from '../../encoding/bytes.js'
import { MAX_CODE_BYTES } from '../../ledger/constants.js'
import { requireNode } from '../../client/connect.js'
import { signAndSend, waitForInclusion, type GasChoice } from '../../client/wallet.js'
import type { ReceiptView } from '../../chain/views.js'
import { checkContractSource } from '../../vm/vm.js'

export interface ContractDeployResult {
  readonly tx: string
  /** Known before inclusion: derived from the deployer's id and the transaction's nonce. */
  readonly contract: string
  /** The gas limit sent, and the estimate it came from (`null` with `--gas`). */
  readonly gas: GasChoice
  readonly block?: { readonly hash: string; readonly height: number }
  readonly receipt?: ReceiptView
}

export default class ContractDeploy extends ChainCommand<typeof ContractDeploy> {
  static override summary = 'Deploy a JavaScript contract (a contract-deploy transaction).'
  static override description =
    'Checks that FILE compiles as a contract module, signs a deploy with the keystore (the node identity unless --account), takes the next nonce from the running node, and submits (without --gas, with the node’s estimate on its pending state plus 25%; an init that would fail is not sent); --args are passed to the contract’s init. The contract address is printed at once (it derives from the deployer and the nonce). With --wait, waits for a block and prints the receipt; a failed init then exits with code 1. See docs/contracts.md.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> docs/examples/counter.js --args \'[10]\' --wait',
    '<%= config.bin %> <%= command.id %> token.js --args \'["Gold", "GLD", 1000000]\' --wait --json',
  ]
  static override args = {
    file: Args.file({ description: 'the contract’s JavaScript module', required: true, exists: true }),
  }
  static override flags = { ...sendFlags }

  async run(): Promise<ContractDeployResult> {
    const { size } = await stat(this.args.file)
    if (size > MAX_CODE_BYTES) throw new CommandError(`${this.args.file} is ${size} bytes; contracts are at most ${MAX_CODE_BYTES}`)
    let code: string
    try {
      code = fromUtf8(await readFile(this.args.file))
    } catch {
      throw new CommandError(`${this.args.file} is not UTF-8 text`)
    }
    const problem = await checkContractSource(code)
    if (problem !== undefined) throw new CommandError(`${this.args.file}: ${problem}`, ExitCode.Usage)
    const args = parseArgsFlag(this.flags.args)
    const client = await requireNode(this.flags.datadir)
    const account = await unlockForCommand(this.flags.datadir, { account: this.flags.account, passwordFile: this.flags['password-file'] })
    const payload = { kind: 'contract-deploy', code, args } as const
    let submitted
    let gas
    try {
      gas = await chooseGas(client, account, payload, this.flags.gas)
      if (!this.jsonEnabled()) this.logToStderr(describeGasChoice(gas))
      submitted = await signAndSend(client, account, payload, gas.limit)
    } finally {
      lockAccount(account)
    }
    const contract = formatContractAddress(contractAddressOf(participantIdOf(submitted.tx.publicKey), submitted.tx.nonce))
    if (!this.flags.wait) {
      if (!this.jsonEnabled()) this.log(`sent ${submitted.hash}\ncontract ${contract} (once included)`)
      return { tx: submitted.hash, contract, gas }
    }
    const included = await waitForInclusion(client, submitted.hash, this.flags.timeout * 1000)
    const receipt = included.receipt!
    const result = { tx: submitted.hash, contract, gas, block: { hash: included.block!.hash, height: included.block!.height }, receipt }
    if (!this.jsonEnabled()) {
      if (receipt.status === 'ok') this.log(`deployed ${contract} in block ${result.block.height}`)
      else this.log(`deploy ${receipt.status} in block ${result.block.height}: ${receipt.error}`)
      this.log([`  tx       ${submitted.hash}`, ...describeReceipt(receipt, submitted.tx.gasLimit).slice(1)].join('\n'))
    }
    if (receipt.status !== 'ok') process.exitCode = 1
    return result
  }
}
