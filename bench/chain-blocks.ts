/** Making blocks of signed transactions for the benchmarks: deterministic keys, signing, a sealed block imported. */
import type { Chain } from '../src/chain/chain.js'
import { produceBlock } from '../src/chain/producer.js'
import { sealSync } from '../src/consensus/pow.js'
import { publicKeyOf } from '../src/crypto/ed25519.js'
import { sha256 } from '../src/crypto/hash.js'
import { participantIdOf } from '../src/crypto/identity.js'
import { utf8 } from '../src/encoding/bytes.js'
import type { Block } from '../src/ledger/block.js'
import { signTransaction, type Transaction, type TxPayload } from '../src/ledger/transaction.js'

export interface BenchKey {
  readonly secretKey: Uint8Array
  readonly id: Uint8Array
}

/** The same key for the same name in every run. */
export function benchKey(name: string): BenchKey {
  const secretKey = sha256(utf8(`bench ${name}`))
  return { secretKey, id: participantIdOf(publicKeyOf(secretKey)) }
}

/** A signer of transactions for `networkId`, each with the gas limit `gas`. */
export function signWith(networkId: Uint8Array, gas: number): (who: BenchKey, nonce: number, payload: TxPayload) => Transaction {
  return (who, nonce, payload) => signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce, gasLimit: gas }, who.secretKey, networkId)
}

/** Makes, seals (difficulty 1) and imports a block of `txs` on top of `chain`'s head; every transaction must fit. */
export async function addBlock(chain: Chain, txs: readonly Transaction[]): Promise<Block> {
  const { block, skipped } = await produceBlock(chain, txs, new Uint8Array(20), chain.head.header.timestamp + 1000)
  if (skipped.length > 0) throw new Error(`bench block skipped ${skipped.length} transactions: ${skipped[0]!.error.message}`)
  const sealed = { ...block, header: sealSync(block.header) }
  await chain.importBlock(sealed)
  return sealed
}
