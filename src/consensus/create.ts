/** Builds the consensus a genesis file names. */
import type { GenesisConfig } from '../ledger/genesis.js'
import type { Consensus } from './consensus.js'
import { ProofOfWork, type SealSearcher } from './pow.js'

export function createConsensus(genesis: GenesisConfig, searcher?: SealSearcher): Consensus {
  switch (genesis.consensus.type) {
    case 'pow':
      return new ProofOfWork(genesis.consensus, genesis.params.targetBlockTimeMs, searcher)
  }
}
