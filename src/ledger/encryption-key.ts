/**
 * A participant's encryption key, bound to its identity: an X25519 public key (RFC 7748, the
 * KEM key of HPKE) with an Ed25519 signature of the participant over it.
 *
 * The transaction that publishes the key is signed by the same Ed25519 key, so on chain the
 * binding signature adds nothing; it is there for whoever reads the key elsewhere. A wallet
 * that asks a node for a recipient's key checks the binding against the recipient's id (the
 * hash of its Ed25519 key) itself, so a lying node cannot slip it a key of its own choosing.
 * The signature covers the network id and the participant id: a binding made for one
 * identity or one network is void for every other (docs/records.md).
 */
import { domainTag, sha256 } from '../crypto/hash.js'
import { publicKeyOf, sign, verify, type SignedMessage } from '../crypto/ed25519.js'
import { participantIdOf } from '../crypto/identity.js'
import type { ParticipantPayload } from './transaction.js'

/** Why bind: a tag of its own, so this signature can never be mistaken for a transaction's. */
const BINDING_TAG = domainTag('encryption-key')

export interface EncryptionKeyBinding {
  /** The X25519 public key records are encrypted to. */
  readonly publicKey: Uint8Array
  /** Ed25519 signature of the owner over `bindingHash(network, owner id, publicKey)`. */
  readonly signature: Uint8Array
}

/** The 32 bytes the owner signs to bind `encryptionKey` to its id on `networkId`. */
export function bindingHash(networkId: Uint8Array, ownerId: Uint8Array, encryptionKey: Uint8Array): Uint8Array {
  return sha256(BINDING_TAG, networkId, ownerId, encryptionKey)
}

/** Binds an encryption public key to the identity of the Ed25519 `secretKey`. */
export function bindEncryptionKey(secretKey: Uint8Array, encryptionKey: Uint8Array, networkId: Uint8Array): EncryptionKeyBinding {
  const ownerId = participantIdOf(publicKeyOf(secretKey))
  return { publicKey: encryptionKey, signature: sign(secretKey, bindingHash(networkId, ownerId, encryptionKey)) }
}

/** The signature that binds `binding` to the owner of `ownerPublicKey` on `networkId`, to be checked. */
export function bindingSignature(binding: EncryptionKeyBinding, ownerPublicKey: Uint8Array, networkId: Uint8Array): SignedMessage {
  return { signature: binding.signature, message: bindingHash(networkId, participantIdOf(ownerPublicKey), binding.publicKey), publicKey: ownerPublicKey }
}

/** Whether `binding` was made by the owner of the Ed25519 `ownerPublicKey` for `networkId`. */
export function verifyBinding(binding: EncryptionKeyBinding, ownerPublicKey: Uint8Array, networkId: Uint8Array): boolean {
  const { signature, message, publicKey } = bindingSignature(binding, ownerPublicKey, networkId)
  return verify(signature, message, publicKey)
}

/**
 * The payload of a registration: the name, and the encryption key (bound by `secretKey`) when
 * the account has one. The node's own registration and `chain account register` both use it.
 */
export function registrationPayload(secretKey: Uint8Array, name: string | null, encryptionKey: Uint8Array | undefined, networkId: Uint8Array): ParticipantPayload {
  const payload = { kind: 'participant' as const, name }
  return encryptionKey === undefined ? payload : { ...payload, encryptionKey: bindEncryptionKey(secretKey, encryptionKey, networkId) }
}
