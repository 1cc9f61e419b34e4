/**
 * Registering an account and rotating its encryption key, through a running node.
 *
 * Both check what they can first (is the account registered?), then unlock, then publish. A
 * new encryption key is written to the keystore beside the old file before the transaction is
 * sent, and the old file is removed only once the node accepted it; if the node refuses, the
 * new file is removed and the keystore is as it was (accounts.ts, `addEncryptionKey`).
 */
import { addEncryptionKey, lockAccount, unlockAccount, type AccountInfo, type PendingEncryptionKey } from '../keystore/accounts.js'
import { bindEncryptionKey, registrationPayload } from '../ledger/encryption-key.js'
import { intrinsicGas, type TxPayload } from '../ledger/transaction.js'
import type { ChainClient } from '../client/chain-client.js'
import { networkIdOf, signAndSend, type Submitted } from '../client/wallet.js'
import { ParticipantError } from './errors.js'

export interface KeyPublication extends Submitted {
  /** The encryption key the transaction publishes (X25519 public key). */
  readonly encryptionKey: Uint8Array
  /** Whether the keystore got a new key for it (else it published the keystore's current one). */
  readonly newKey: boolean
}

/** What publishing needs of the account: which one, and its password when it is time to unlock. */
export interface Publisher {
  readonly datadir: string
  readonly account: AccountInfo
  readonly password: () => Promise<string>
}

async function registrationState(client: ChainClient, id: string): Promise<'registered' | 'pending' | 'none'> {
  const { registered, next } = await client.getNonce(id)
  return registered ? 'registered' : next > 0 ? 'pending' : 'none'
}

/**
 * Sends the account's `participant` transaction with `name` and its current encryption key (a
 * new one when its keystore has none). `PARTICIPANT_ERROR_ALREADY_REGISTERED` when it is
 * registered or its registration waits in the node's pool.
 */
export async function registerAccount(client: ChainClient, publisher: Publisher, name: string | null): Promise<KeyPublication> {
  const { account } = publisher
  if ((await registrationState(client, account.id)) !== 'none') {
    throw new ParticipantError('PARTICIPANT_ERROR_ALREADY_REGISTERED', `${account.id} is already registered (or its registration is pending)`)
  }
  return publishKey(client, publisher, account.encryptionKey === undefined, (secretKey, key, networkId) => registrationPayload(secretKey, name, key, networkId))
}

/** Publishes a new encryption key for a registered account (an `encryption-key` transaction). */
export async function rotateEncryptionKey(client: ChainClient, publisher: Publisher): Promise<KeyPublication> {
  if ((await registrationState(client, publisher.account.id)) === 'none') {
    throw new ParticipantError('PARTICIPANT_ERROR_NOT_REGISTERED', `${publisher.account.id} is not registered: register it with \`chain account register\``)
  }
  return publishKey(client, publisher, true, (secretKey, key, networkId) => ({ kind: 'encryption-key', encryptionKey: bindEncryptionKey(secretKey, key, networkId) }))
}

async function publishKey(
  client: ChainClient,
  { datadir, account, password }: Publisher,
  newKey: boolean,
  payloadOf: (secretKey: Uint8Array, encryptionKey: Uint8Array, networkId: Uint8Array) => TxPayload,
): Promise<KeyPublication> {
  const networkId = await networkIdOf(client)
  const secret = await password()
  const unlocked = await unlockAccount(account.path, secret)
  let pending: PendingEncryptionKey | undefined
  try {
    pending = newKey ? await addEncryptionKey(datadir, account, unlocked, secret) : undefined
    const encryptionKey = pending?.keyPair.publicKey ?? unlocked.encryptionKeys.at(-1)!.publicKey
    const payload = payloadOf(unlocked.secretKey, encryptionKey, networkId)
    let submitted: Submitted
    try {
      submitted = await signAndSend(client, unlocked, payload, intrinsicGas(payload))
    } catch (error) {
      await pending?.abort()
      throw error
    }
    await pending?.commit()
    return { ...submitted, encryptionKey, newKey }
  } finally {
    lockAccount(unlocked)
    pending?.keyPair.secretKey.fill(0)
  }
}
