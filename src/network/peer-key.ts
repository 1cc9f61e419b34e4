/**
 * The node's libp2p key: an Ed25519 private key kept in the data dir, so the node's peer id
 * (and with it every address other nodes remember for it) survives restarts, as geth's
 * `nodekey` does. It is not the participant's account key: losing it loses nothing but the
 * peer id.
 *
 * The file holds the key in libp2p's protobuf encoding (`privateKeyToProtobuf`, 68 bytes),
 * mode 0600, written with `writeFileAtomic` without replacing (src/files.ts): a crash or a
 * second process starting at the same moment can never leave a half-written key, nor replace
 * a key another process just wrote.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { isErrno, writeFileAtomic } from '../files.js'
import { NetworkError } from './errors.js'

const KEY_FILE_MODE = 0o600
const KEY_DIR_MODE = 0o700
/** A protobuf Ed25519 key is 68 bytes; anything much longer is not one. */
const MAX_KEY_FILE_BYTES = 1024

/** Decodes a key file's bytes, accepting only an Ed25519 key. */
export function decodePeerKey(bytes: Uint8Array, path: string): PrivateKey {
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new NetworkError('NETWORK_ERROR_BAD_PEER_KEY', `${path}: ${bytes.length} bytes is not a peer key (expected about 68)`)
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (error) {
    throw new NetworkError('NETWORK_ERROR_BAD_PEER_KEY', `${path}: not a protobuf-encoded libp2p key (${(error as Error).message})`)
  }
  if (key.type !== 'Ed25519') throw new NetworkError('NETWORK_ERROR_BAD_PEER_KEY', `${path}: expected an Ed25519 key, got ${key.type}`)
  return key
}

async function readKey(path: string): Promise<PrivateKey | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined
    throw new NetworkError('NETWORK_ERROR_BAD_PEER_KEY', `${path}: cannot read the peer key (${(error as Error).message})`)
  }
  return decodePeerKey(new Uint8Array(bytes), path)
}

/** Writes `bytes` at `path` unless a file is there already; false when one was. */
async function writeNewFile(path: string, bytes: Uint8Array): Promise<boolean> {
  try {
    await writeFileAtomic(path, bytes, { mode: KEY_FILE_MODE })
    return true
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false
    throw error
  }
}

/**
 * Reads the peer key at `path`, or creates one there (and its directory) when there is none.
 * Throws `NETWORK_ERROR_BAD_PEER_KEY` for a file that is not an Ed25519 key: it is never
 * replaced, since that would silently change the node's identity.
 */
export async function loadOrCreatePeerKey(path: string): Promise<PrivateKey> {
  const existing = await readKey(path)
  if (existing !== undefined) return existing
  await mkdir(dirname(path), { recursive: true, mode: KEY_DIR_MODE })
  const key = await generateKeyPair('Ed25519')
  if (await writeNewFile(path, privateKeyToProtobuf(key))) return key
  // Another process created the key first: use that one, so both agree on the peer id.
  const winner = await readKey(path)
  if (winner === undefined) throw new NetworkError('NETWORK_ERROR_BAD_PEER_KEY', `${path}: the peer key vanished while being created`)
  return winner
}
