/**
 * Encrypted records through a running node: put (seal to the recipients' published keys, sign,
 * send), get (fetch the transaction, check it is the one asked for, decrypt with the
 * keystore) and list (the records an account is a recipient of). docs/records.md.
 */
import { formatParticipantId, parseParticipantId } from '../crypto/identity.js'
import { verify } from '../crypto/ed25519.js'
import { sha256 } from '../crypto/hash.js'
import { bytesEqual, fromHex, toHex } from '../encoding/bytes.js'
import { MAX_RECORD_PLAINTEXT_BYTES, MAX_RECORD_RECIPIENTS } from '../ledger/constants.js'
import { openRecord, sealRecord, RecordError, type SealingRecipient } from '../ledger/encrypted-record.js'
import { decodeTransaction, intrinsicGas, senderOf, signingHash, type RecordPayload, type Transaction } from '../ledger/transaction.js'
import { lockAccount, unlockAccount, type AccountInfo } from '../keystore/accounts.js'
import type { ChainClient } from '../client/chain-client.js'
import type { RecordListEntry } from '../rpc/api.js'
import { networkIdOf, signAndSend, type Submitted } from '../client/wallet.js'
import { encryptionKeyOf } from './directory.js'
import { ParticipantError } from './errors.js'

/**
 * The recipients of a record to be put: `to` in canonical text, the sender added when absent.
 * Refuses bad ids, duplicates and too many before anything else is done.
 */
export function recordRecipients(sender: string, to: readonly string[]): string[] {
  const ids = to.map((id) => formatParticipantId(parseParticipantId(id)))
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) throw new ParticipantError('PARTICIPANT_ERROR_DUPLICATE_RECIPIENT', `recipient ${id} is named twice`)
    seen.add(id)
  }
  if (!seen.has(sender)) ids.push(sender)
  if (ids.length > MAX_RECORD_RECIPIENTS) {
    throw new RecordError('RECORD_ERROR_BAD_RECIPIENTS', `${ids.length} recipients (the sender included); a record has at most ${MAX_RECORD_RECIPIENTS}`)
  }
  return ids
}

/** Refuses data larger than a record holds, before anything is asked or signed. */
export function checkRecordSize(bytes: number): void {
  if (bytes > MAX_RECORD_PLAINTEXT_BYTES) {
    throw new RecordError('RECORD_ERROR_TOO_LARGE', `${bytes} bytes of data; a record holds at most ${MAX_RECORD_PLAINTEXT_BYTES}`)
  }
}

export interface PutRequest {
  readonly account: AccountInfo
  readonly password: () => Promise<string>
  /** Recipients besides the sender (the sender is always one). */
  readonly to: readonly string[]
  readonly plaintext: Uint8Array
}

/**
 * Encrypts `plaintext` to the recipients' current keys (each checked against its id) and sends
 * the record. Every refusal comes before the password is asked: unknown or unregistered
 * recipients, recipients without a key, duplicates, too much data.
 */
export async function putRecord(client: ChainClient, request: PutRequest): Promise<Submitted & { recipients: string[] }> {
  checkRecordSize(request.plaintext.length)
  const ids = recordRecipients(request.account.id, request.to)
  const networkId = await networkIdOf(client)
  const recipients: SealingRecipient[] = []
  for (const id of ids) {
    try {
      recipients.push({ id: parseParticipantId(id), key: await encryptionKeyOf(client, id, networkId) })
    } catch (error) {
      // The sender's own problems are worded for the sender.
      if (id === request.account.id && error instanceof ParticipantError && error.code === 'PARTICIPANT_ERROR_UNKNOWN_RECIPIENT') {
        throw new ParticipantError('PARTICIPANT_ERROR_NOT_REGISTERED', `${id} is not registered: register it with \`chain account register\``)
      }
      throw error
    }
  }
  const unlocked = await unlockAccount(request.account.path, await request.password())
  try {
    const own = recipients.find((recipient) => formatParticipantId(recipient.id) === request.account.id)!
    if (!unlocked.encryptionKeys.some((pair) => bytesEqual(pair.publicKey, own.key))) {
      throw new ParticipantError(
        'PARTICIPANT_ERROR_KEY_NOT_IN_KEYSTORE',
        `the encryption key ${request.account.id} published is not in its keystore (recovered from the phrase?): publish a new one with \`chain account rotate-key\``,
      )
    }
    const payload = sealRecord(parseParticipantId(request.account.id), recipients, request.plaintext)
    const submitted = await signAndSend(client, unlocked, payload, intrinsicGas(payload))
    return { ...submitted, recipients: payload.recipients.map((recipient) => formatParticipantId(recipient.id)) }
  } finally {
    lockAccount(unlocked)
  }
}

/** A record fetched from a node, checked, but not yet decrypted. */
export interface FetchedRecord {
  readonly hash: string
  readonly tx: Transaction & RecordPayload
  readonly sender: string
  readonly pending: boolean
  readonly block: { readonly hash: string; readonly height: number; readonly index: number } | null
}

/**
 * Fetches record `hash`, checking that the bytes are the transaction of that hash and that its
 * signature verifies: the node is trusted for nothing. `RPC_CLIENT_ERROR_REMOTE` (not found)
 * when no record has that hash.
 */
export async function fetchRecord(client: ChainClient, hash: string): Promise<FetchedRecord> {
  const networkId = await networkIdOf(client)
  const found = await client.call('getRecord', { hash })
  const bytes = fromHex(found.tx)
  const wanted = fromHex(hash)
  if (bytes === undefined || wanted === undefined || !bytesEqual(sha256(bytes), wanted)) {
    throw new ParticipantError('PARTICIPANT_ERROR_BAD_RECORD', `the node answered with a transaction that is not ${hash}`)
  }
  const tx = decodeTransaction(bytes)
  if (tx.kind !== 'record' || !verify(tx.signature, signingHash(tx, networkId), tx.publicKey)) {
    throw new ParticipantError('PARTICIPANT_ERROR_BAD_RECORD', `${hash} is not a validly signed record`)
  }
  return { hash: toHex(wanted), tx, sender: formatParticipantId(senderOf(tx)), pending: found.pending, block: found.block }
}

/** Decrypts a fetched record as `account`, with the keystore. Throws `RecordError`, `KeystoreError`. */
export async function decryptRecord(record: FetchedRecord, account: AccountInfo, password: () => Promise<string>): Promise<Uint8Array> {
  const reader = parseParticipantId(account.id)
  // Refused before the password is asked: nothing was wrapped for this account.
  if (!record.tx.recipients.some((recipient) => bytesEqual(recipient.id, reader))) {
    throw new RecordError('RECORD_ERROR_NOT_A_RECIPIENT', `${account.id} is not a recipient of record ${record.hash}`)
  }
  const unlocked = await unlockAccount(account.path, await password())
  try {
    return openRecord(record.tx, senderOf(record.tx), reader, (publicKey) => unlocked.encryptionKeys.find((pair) => bytesEqual(pair.publicKey, publicKey))?.secretKey)
  } finally {
    lockAccount(unlocked)
  }
}

export type { RecordListEntry } from '../rpc/api.js'

/** The records `id` is a recipient of, on the node's head, oldest first. Needs no password. */
export function listRecords(client: ChainClient, id: string): Promise<readonly RecordListEntry[]> {
  return client.call('listRecords', { id })
}
