/**
 * Signer keys as commands take them: 64 hex digits of an Ed25519 public key, or the id of an
 * account in the data dir (whose keystore holds the public key; an id alone cannot name a key,
 * since ids are hashes of keys).
 */
import { PUBLIC_KEY_BYTES } from '../crypto/ed25519.js'
import { fromHex } from '../encoding/bytes.js'
import { findAccount } from '../keystore/accounts.js'

export async function resolveSignerKey(datadir: string, text: string): Promise<Uint8Array> {
  const key = fromHex(text)
  if (key?.length === PUBLIC_KEY_BYTES) return key
  return (await findAccount(datadir, text)).publicKey
}
