/**
 * What the node benchmark needs around real `chain node` processes: a cleanup runner in place
 * of a test's context (test/helpers/node.ts starts and stops the nodes), pre-signed
 * transactions, raw libp2p hosts of a node's network, and percentiles.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { publicKeyOf } from '../src/crypto/ed25519.js'
import { sha256 } from '../src/crypto/hash.js'
import { utf8 } from '../src/encoding/bytes.js'
import { intrinsicGas, signTransaction, type Transaction } from '../src/ledger/transaction.js'
import { createNetwork, type Network, type NetworkComponents } from '../src/network/network.js'
import type { Cleanup } from '../test/helpers/node.js'
import { headOnlyChain } from '../test/network/helpers.js'

/** Runs what was registered with `after`, last first: the benchmark's stand-in for a test's context. */
export class Cleanups implements Cleanup {
  private readonly steps: (() => unknown)[] = []

  after(step: () => unknown): void {
    this.steps.push(step)
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step()
      } catch (error) {
        process.stderr.write(`cleanup failed: ${(error as Error).message}\n`)
      }
    }
  }
}

/**
 * `count` registrations (`participant` transactions) of fresh identities, signed for
 * `networkId`: each admissible on its own (nonce 0, sender not registered), each with its own
 * key, so the node verifies every one with a key it has not cached.
 */
export function registrations(networkId: Uint8Array, count: number, tag: string): Transaction[] {
  return Array.from({ length: count }, (_, i) => {
    const secretKey = sha256(utf8(`bench node ${tag} ${i}`))
    const unsigned = { kind: 'participant' as const, name: null, publicKey: publicKeyOf(secretKey), nonce: 0, gasLimit: 0 }
    return signTransaction({ ...unsigned, gasLimit: intrinsicGas(unsigned) }, secretKey, networkId)
  })
}

export interface HostInit {
  readonly networkId: Uint8Array
  readonly maxBlockBytes: number
  readonly bootstrap: readonly string[]
  /** Called with each block that arrives (after decoding), before it is relayed. */
  readonly onBlock?: NetworkComponents['validateBlock']
}

/** A started libp2p host of the network that accepts whatever it is sent; stopped by `cleanups`. */
export async function startHost(cleanups: Cleanups, init: HostInit): Promise<Network> {
  const network = await createNetwork(
    {
      peerKey: await generateKeyPair('Ed25519'),
      networkId: init.networkId,
      chain: headOnlyChain(),
      pending: () => [],
      validateBlock: init.onBlock ?? (() => Promise.resolve('accept')),
      validateTransactions: () => Promise.resolve('accept'),
    },
    { maxBlockBytes: init.maxBlockBytes, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [...init.bootstrap], mdns: false, dht: false },
  )
  cleanups.after(() => network.stop())
  await network.start()
  return network
}

/** The `fraction` quantile of `values` (nearest rank), e.g. 0.5 for the median. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values')
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!
}
