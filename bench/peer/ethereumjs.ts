/**
 * The ethereumjs side of `npm run bench -- peer`: what a TypeScript user would run for "a chain
 * with contracts". An ERC-20 token (bench/peer/Token.sol) compiled by solc-js at bench time,
 * deployed in @ethereumjs/vm's in-memory state; a producer VM makes blocks of signed legacy
 * transactions calling `transfer` (runBlock generating state root, receipts, bloom), and
 * an importer VM, from the same genesis state, imports each block from its RLP bytes: decode,
 * block validation (transactions trie, every signature: one ecrecover per transaction),
 * execution, and the state root, receipts root, bloom and gas checked against the header.
 */
import { readFileSync } from 'node:fs'
import { createBlock, createBlockFromRLP, genTransactionsTrieRoot, type Block } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createLegacyTx, type LegacyTx } from '@ethereumjs/tx'
import { bigIntToBytes, bytesToHex, createAccount, createAddressFromPrivateKey, createContractAddress, hexToBytes, setLengthLeft, type Address } from '@ethereumjs/util'
import { createVM, runBlock, type VM } from '@ethereumjs/vm'
import solc from 'solc'
import { sha256 } from '../../src/crypto/hash.js'
import { concatBytes, utf8 } from '../../src/encoding/bytes.js'
import { timedImports, type PreparedSide, type TransferPlan } from './plan.js'

/** The fork whose rules both VMs run (and solc targets): no blob or beacon-root system calls to set up. */
const HARDFORK = Hardfork.Shanghai
const EVM_VERSION = 'shanghai'
const BLOCK_GAS_LIMIT = 200_000_000n
const TX_GAS_LIMIT = 200_000n
const GAS_PRICE = 1_000_000_000n
const FUNDS = 10n ** 24n
const TOKEN_SOURCE = new URL('../../../bench/peer/Token.sol', import.meta.url)

interface CompiledToken {
  readonly bytecode: Uint8Array
  /** 4-byte selectors by signature, e.g. `transfer(address,uint256)`. */
  readonly selectors: Record<string, string>
}

interface SolcOutput {
  readonly errors?: readonly { readonly severity: string; readonly formattedMessage: string }[]
  readonly contracts: Record<string, Record<string, { evm: { bytecode: { object: string }; methodIdentifiers: Record<string, string> } }>>
}

/** Compiles Token.sol with the solc-js compiler npm's `solc` ships (soljson.js: nothing downloaded). */
export function compileToken(): CompiledToken {
  const input = {
    language: 'Solidity',
    sources: { 'Token.sol': { content: readFileSync(TOKEN_SOURCE, 'utf8') } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { Token: ['evm.bytecode.object', 'evm.methodIdentifiers'] } },
    },
  }
  const output = JSON.parse((solc as { compile(input: string): string }).compile(JSON.stringify(input))) as SolcOutput
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error')
  if (errors.length > 0) throw new Error(`Token.sol does not compile:\n${errors.map((error) => error.formattedMessage).join('\n')}`)
  const token = output.contracts['Token.sol']!['Token']!
  return { bytecode: hexToBytes(`0x${token.evm.bytecode.object}`), selectors: token.evm.methodIdentifiers }
}

const word = (value: bigint | Uint8Array): Uint8Array => setLengthLeft(typeof value === 'bigint' ? bigIntToBytes(value) : value, 32)

/** ABI encoding of the constructor's (string, string, uint256), the only call with dynamic arguments here. */
function constructorArgs(name: string, symbol: string, supply: bigint): Uint8Array {
  const text = (value: string): Uint8Array => {
    const bytes = utf8(value)
    return concatBytes(word(BigInt(bytes.length)), bytes, new Uint8Array((32 - (bytes.length % 32)) % 32))
  }
  const first = text(name)
  return concatBytes(word(96n), word(BigInt(96 + first.length)), word(supply), first, text(symbol))
}

/** Deterministic secp256k1 keys and their addresses: holder `i` of the plan. */
function holderKeys(count: number): { secretKey: Uint8Array; address: Address }[] {
  return Array.from({ length: count }, (_, i) => {
    const secretKey = sha256(utf8(`peer bench ethereumjs holder ${i}`))
    return { secretKey, address: createAddressFromPrivateKey(secretKey) }
  })
}

async function fundedVm(common: Common, holders: readonly { address: Address }[]): Promise<VM> {
  const vm = await createVM({ common })
  for (const holder of holders) await vm.stateManager.putAccount(holder.address, createAccount({ balance: FUNDS }))
  return vm
}

/**
 * Builds the setup blocks (deploy, then the supply spread over the holders) and the plan's
 * transfer blocks on a producer VM, and imports the setup and warm-up blocks into a fresh
 * importer untimed; the measured blocks are imported by the returned side, one per call.
 */
export async function prepareEthereumjs(plan: TransferPlan): Promise<PreparedSide> {
  const common = new Common({ chain: Mainnet, hardfork: HARDFORK })
  const token = compileToken()
  const holders = holderKeys(plan.holders)
  const nonces = holders.map(() => 0n)
  const tx = (from: number, to: Address | undefined, data: Uint8Array): LegacyTx =>
    createLegacyTx({ nonce: nonces[from]!++, gasPrice: GAS_PRICE, gasLimit: TX_GAS_LIMIT * (to === undefined ? 10n : 1n), to, value: 0n, data }, { common }).sign(holders[from]!.secretKey)
  const transferSelector = hexToBytes(`0x${token.selectors['transfer(address,uint256)']!}`)
  const transfer = (from: number, to: number, amount: bigint): LegacyTx => tx(from, tokenAddress, concatBytes(transferSelector, word(holders[to]!.address.bytes), word(amount)))

  const producer = await fundedVm(common, holders)
  let parent = createBlock({ header: { number: 0n, gasLimit: BLOCK_GAS_LIMIT, stateRoot: await producer.stateManager.getStateRoot() } }, { common })
  const genesisRoot = parent.header.stateRoot
  // Not BlockBuilder: its addTransaction rebuilds the block with every transaction so far
  // (quadratic: minutes and gigabytes for a block of 1,000). runBlock with `generate` executes
  // the block once and gives the header fields.
  const produce = async (txs: LegacyTx[]): Promise<Uint8Array> => {
    const header = { parentHash: parent.hash(), number: parent.header.number + 1n, timestamp: parent.header.timestamp + 12n, gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: parent.header.calcNextBaseFee() }
    const result = await runBlock(producer, { block: createBlock({ header, transactions: txs }, { common }), generate: true, skipBlockValidation: true, skipHeaderValidation: true })
    const failed = result.results.findIndex((each) => each.execResult.exceptionError !== undefined)
    if (failed >= 0) throw new Error(`bench transaction ${failed} of block ${header.number} failed: ${result.results[failed]!.execResult.exceptionError!.error}`)
    const fields = { stateRoot: result.stateRoot, receiptTrie: result.receiptsRoot, logsBloom: result.logsBloom, gasUsed: result.gasUsed, transactionsTrie: await genTransactionsTrieRoot(txs) }
    parent = createBlock({ header: { ...header, ...fields }, transactions: txs }, { common })
    return parent.serialize()
  }

  const deployer = holders[0]!.address
  const tokenAddress = createContractAddress(deployer, 0n)
  const setup = [await produce([tx(0, undefined, concatBytes(token.bytecode, constructorArgs('Gold', 'GLD', BigInt(plan.supply))))])]
  setup.push(await produce(holders.slice(1).map((_, i) => transfer(0, i + 1, BigInt(plan.share)))))
  const transfers: Uint8Array[] = []
  for (const block of plan.blocks) transfers.push(await produce(block.map(({ from, to }) => transfer(from, to, 1n))))

  const importer = await fundedVm(common, holders)
  if (bytesToHex(await importer.stateManager.getStateRoot()) !== bytesToHex(genesisRoot)) throw new Error('the importer does not start from the producer’s genesis state')
  const importBlock = async (bytes: Uint8Array): Promise<bigint> => {
    const block: Block = createBlockFromRLP(bytes, { common })
    return (await runBlock(importer, { block, skipHeaderValidation: true })).gasUsed
  }
  for (const bytes of setup) await importBlock(bytes)
  return timedImports(plan, transfers, async (bytes) => Number(await importBlock(bytes)), () => Promise.resolve())
}
