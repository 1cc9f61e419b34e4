/** Builds the consensus a genesis file names, with what this node needs to seal. */
import type { GenesisConfig } from '../ledger/genesis.js'
import type { Consensus } from './consensus.js'
import { PowMiner } from './pow-miner.js'
import { ProofOfAuthority } from './poa/poa.js'
import { ProofOfWork } from './pow.js'

export interface ConsensusInit {
  /** This node will seal: proof-of-work starts a mining thread for it. */
  readonly seal?: boolean
  /** This node's identity's secret key: proof-of-authority seals with it when it is a signer. */
  readonly signerKey?: Uint8Array
}

export function createConsensus(genesis: GenesisConfig, init: ConsensusInit = {}): Consensus {
  switch (genesis.consensus.type) {
    case 'pow':
      return new ProofOfWork(genesis.consensus, genesis.params.targetBlockTimeMs, init.seal === true ? new PowMiner() : undefined)
    case 'poa':
      return new ProofOfAuthority(genesis.consensus, genesis.params.targetBlockTimeMs, init.signerKey === undefined ? {} : { signerKey: init.signerKey })
  }
}
