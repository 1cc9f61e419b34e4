/**
 * `chain` beside its peer: what a TypeScript user would otherwise pick for "a chain with
 * contracts", @ethereumjs/vm, doing the same job on the same machine in the same run. Blocks of
 * 1,000 token transfers, every holder sending once per block, imported from their bytes:
 *   - chain: `token.transfer` calls (docs/examples/token.js) imported with `Chain.importBlock`
 *     into real LevelDB (decode, header, Ed25519 signatures, execution, state trie, one batch);
 *   - ethereumjs: an ERC-20 `transfer` (bench/peer/Token.sol, compiled by solc-js) in signed
 *     legacy transactions, run by `runBlock` on an in-memory state (decode, transactions trie,
 *     ecrecover of every sender, execution, state root and receipts checked).
 * The same plan (bench/peer/plan.ts) drives both: same holders, same transfers, same warm-up.
 * The targets: chain at least 10 times ethereumjs, and at least 5,000 transfers/s.
 */
import { readFileSync } from 'node:fs'
import type { Benchmark, Figure } from './harness.js'
import { runChain } from './peer/chain.js'
import { runEthereumjs } from './peer/ethereumjs.js'
import { transferPlan } from './peer/plan.js'

/** The version the project pins (exactly) for this comparison. */
const ethereumjsVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@ethereumjs/vm']!
const plan = transferPlan({ transfersPerBlock: 1_000, warmUpBlocks: 1, measuredBlocks: 3 })

export const benchmark: Benchmark = {
  name: 'peer',
  async run(): Promise<Figure[]> {
    const ethereumjs = await runEthereumjs(plan)
    const chain = await runChain(plan)
    return [
      {
        name: `blocks of ${plan.transfersPerBlock.toLocaleString('en-US')} token transfers imported end to end from their bytes`,
        value: chain.transfersPerSecond,
        unit: 'transfers/s',
        baseline: { name: `@ethereumjs/vm ${ethereumjsVersion}, ERC-20 transfer, in-memory state`, value: ethereumjs.transfersPerSecond },
        note:
          `${plan.holders} senders, ${chain.measuredBlocks} blocks measured after ${plan.warmUpBlocks} warm-up; ` +
          `chain: LevelDB, ~${Math.round(chain.gasPerTransfer)} gas per transfer; ethereumjs: ~${Math.round(ethereumjs.gasPerTransfer)} gas per transfer; ` +
          'targets: 10 times ethereumjs and 5,000 transfers/s',
      },
    ]
  },
}
