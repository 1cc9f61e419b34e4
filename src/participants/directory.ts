/**
 * Participants as a wallet sees them through a node: whether an id is registered and its
 * current encryption key, checked here against the id itself. The id is the hash of the
 * Ed25519 key and the binding is that key's signature, so a node can hide a participant or
 * show a replaced key, but never make up a key in someone's name (docs/records.md).
 */
import { parseParticipantId, participantIdOf } from '../crypto/identity.js'
import { bytesEqual, fromHex } from '../encoding/bytes.js'
import { verifyBinding } from '../ledger/encryption-key.js'
import type { ChainClient } from '../client/chain-client.js'
import type { ParticipantView } from '../rpc/api.js'
import { RpcClientError } from '../rpc/client.js'
import { RpcErrorCode } from '../rpc/protocol.js'
import { ParticipantError } from './errors.js'

/** The participant `id` on the node's head, or `undefined` when it is not registered. */
export async function lookupParticipant(client: ChainClient, id: string): Promise<ParticipantView | undefined> {
  try {
    return await client.call('getParticipant', { id })
  } catch (error) {
    if (error instanceof RpcClientError && error.code === 'RPC_CLIENT_ERROR_REMOTE' && error.data.rpcCode === RpcErrorCode.NotFound) return undefined
    throw error
  }
}

/**
 * The current encryption key of registered participant `id`, its binding checked against the
 * id. Throws `ParticipantError` when it is unregistered, has no key, or the binding is bad.
 */
export async function encryptionKeyOf(client: ChainClient, id: string, networkId: Uint8Array): Promise<Uint8Array> {
  const participant = await lookupParticipant(client, id)
  if (participant === undefined) throw new ParticipantError('PARTICIPANT_ERROR_UNKNOWN_RECIPIENT', `${id} is not a registered participant`)
  if (participant.encryptionKey === null) {
    throw new ParticipantError('PARTICIPANT_ERROR_NO_ENCRYPTION_KEY', `${id} has published no encryption key (it can publish one with \`chain account rotate-key\`)`)
  }
  const publicKey = fromHex(participant.publicKey)
  const encryptionKey = fromHex(participant.encryptionKey.publicKey)
  const signature = fromHex(participant.encryptionKey.binding)
  const valid =
    publicKey?.length === 32 &&
    encryptionKey?.length === 32 &&
    signature?.length === 64 &&
    bytesEqual(participantIdOf(publicKey), parseParticipantId(id)) &&
    verifyBinding({ publicKey: encryptionKey, signature }, publicKey, networkId)
  if (!valid) throw new ParticipantError('PARTICIPANT_ERROR_BAD_BINDING', `the node reported an encryption key for ${id} that its owner did not sign`)
  return encryptionKey
}
