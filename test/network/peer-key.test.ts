/** The node's libp2p key file: created once (mode 0600), read back, never replaced. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stat, writeFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { loadOrCreatePeerKey } from '../../src/network/peer-key.js'
import { tempDir } from '../helpers/chain.js'

test('a key is created once, with mode 0600 in a 0700 directory, and the same key is read back', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'net', 'node-key')
  const key = await loadOrCreatePeerKey(path)
  assert.equal(key.type, 'Ed25519')
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  assert.equal((await stat(join(dir, 'net'))).mode & 0o777, 0o700)
  assert.deepEqual(new Uint8Array(await readFile(path)), privateKeyToProtobuf(key))
  const again = await loadOrCreatePeerKey(path)
  assert.equal(peerIdFromPrivateKey(again).toString(), peerIdFromPrivateKey(key).toString())
})

test('processes creating the key at once all end with the same key', async (t) => {
  const path = join(await tempDir(t), 'node-key')
  const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreatePeerKey(path)))
  const ids = new Set(keys.map((key) => peerIdFromPrivateKey(key).toString()))
  assert.equal(ids.size, 1)
})

test('a file that is not an Ed25519 key is refused and left alone', async (t) => {
  const dir = await tempDir(t)
  const garbage = join(dir, 'garbage')
  await writeFile(garbage, 'not a key')
  await assert.rejects(loadOrCreatePeerKey(garbage), (error: Error & { code?: string; data?: { detail: string } }) => {
    assert.equal(error.code, 'NETWORK_ERROR_BAD_PEER_KEY')
    assert.match(error.data!.detail, /^.*garbage: not a protobuf-encoded libp2p key \(.+\)$/)
    return true
  })
  assert.equal(await readFile(garbage, 'utf8'), 'not a key')

  const secp = join(dir, 'secp')
  await writeFile(secp, privateKeyToProtobuf(await generateKeyPair('secp256k1')))
  await assert.rejects(loadOrCreatePeerKey(secp), { code: 'NETWORK_ERROR_BAD_PEER_KEY', data: { detail: `${secp}: expected an Ed25519 key, got secp256k1` } })

  const big = join(dir, 'big')
  await writeFile(big, new Uint8Array(2048))
  await assert.rejects(loadOrCreatePeerKey(big), { code: 'NETWORK_ERROR_BAD_PEER_KEY', data: { detail: `${big}: 2048 bytes is not a peer key (expected about 68)` } })
})
