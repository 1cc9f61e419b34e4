/**
 * The gas limit of a transaction a command sends: `--gas` when given, else the node's estimate
 * on its pending state plus a margin (src/node/wallet.ts, GAS_ESTIMATE_MARGIN). A transaction
 * that would revert or run out of gas even with a whole block is not sent: the command says
 * why, and `--gas` sends it anyway.
 */
import type { TxPayload } from '../ledger/transaction.js'
import type { ChainClient } from '../client/chain-client.js'
import { estimateTransaction, GAS_ESTIMATE_MARGIN, gasLimitFor, type GasChoice, type SigningAccount } from '../client/wallet.js'
import { CommandError } from './command-error.js'
import { ExitCode } from './exit-codes.js'

export async function chooseGas(client: ChainClient, account: SigningAccount, payload: TxPayload, flag: number | undefined): Promise<GasChoice> {
  if (flag !== undefined) return { limit: flag, estimated: null }
  const estimate = await estimateTransaction(client, account, payload)
  if (estimate.status !== 'ok') {
    const why = estimate.error === null ? estimate.status : `${estimate.status}: ${estimate.error}`
    throw new CommandError(`the transaction would fail on the node's pending state (${why}); nothing was sent. Give --gas N to send it anyway`, ExitCode.Failure)
  }
  return { limit: gasLimitFor(estimate), estimated: estimate.gasUsed }
}

/** What was chosen, for people: `gas limit 1,543 (estimated 1,234 on the pending state, +25%)`. */
export function describeGasChoice(choice: GasChoice): string {
  if (choice.estimated === null) return `gas limit ${choice.limit} (--gas)`
  return `gas limit ${choice.limit} (estimated ${choice.estimated} on the node's pending state, +${GAS_ESTIMATE_MARGIN * 100}%)`
}
