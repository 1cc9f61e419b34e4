/**
 * The state before the first block: the genesis file's participants, registered with nonce 0.
 */
import { participantIdOf } from '../crypto/identity.js'
import type { GenesisConfig } from '../ledger/genesis.js'
import type { StateChange } from './overlay.js'
import { encodeParticipant, participantKey } from './records.js'

export function genesisStateChanges(config: GenesisConfig): StateChange[] {
  return config.participants.map(({ publicKey, name }) => ({
    key: participantKey(participantIdOf(publicKey)),
    value: encodeParticipant({ publicKey, name, nonce: 0 }),
  }))
}
