/**
 * Gossip between real libp2p hosts on 127.0.0.1: delivery to every host, validation before
 * relay, scoring, and hostile peers (garbage, oversized, wrong-network messages, bans).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeBlock, encodeHeader } from '../../src/ledger/block.js'
import { encode } from '../../src/encoding/cbor.js'
import { encodeTransaction } from '../../src/ledger/transaction.js'
import { networkNames } from '../../src/network/names.js'
import { GOSSIP_MAX_TX_MESSAGE_BYTES, GOSSIP_MAX_TXS_PER_MESSAGE, PENALTY_POINTS } from '../../src/network/constants.js'
import { encodeTransactionMessage } from '../../src/network/gossip.js'
import {
  connected,
  freshNetworkId,
  MAX_BLOCK_BYTES,
  recorder,
  sampleBlock,
  sampleTx,
  sendRawGossip,
  startNetwork,
  waitFor,
  waitForMesh,
} from './helpers.js'

test('two hosts joined by a bootstrap address gossip blocks and transactions to each other', async (t) => {
  const networkId = freshNetworkId()
  const aRec = recorder()
  const bRec = recorder()
  const a = await startNetwork(t, { networkId, validators: aRec })
  const b = await startNetwork(t, { networkId, validators: bRec, join: [a] })
  await waitForMesh([a, b], 1)

  const block = sampleBlock(1)
  await a.publishBlock(block)
  await waitFor('the block at b', () => bRec.blocks.length === 1)
  assert.deepEqual(bRec.blocks, [{ block, from: a.peerId }])

  const tx = sampleTx(networkId, 0)
  await b.publishTransactions([tx])
  await waitFor('the transaction at a', () => aRec.txs.length === 1)
  assert.deepEqual(aRec.txs, [{ tx, from: b.peerId }])
  // Nobody validates its own messages.
  assert.equal(aRec.blocks.length, 0)
  assert.equal(bRec.txs.length, 0)
})

test('transactions published together go out in as few messages as fit, in order', async (t) => {
  const networkId = freshNetworkId()
  const rec = recorder()
  const a = await startNetwork(t, { networkId, validators: rec })
  const b = await startNetwork(t, { networkId, join: [a] })
  await waitForMesh([a, b], 1)
  const txs = Array.from({ length: GOSSIP_MAX_TXS_PER_MESSAGE + 10 }, (_, i) => sampleTx(networkId, i))
  assert.equal(await b.publishTransactions(txs), 1)
  await waitFor('every transaction at a', () => rec.txs.length === txs.length)
  assert.deepEqual(rec.txMessages, [GOSSIP_MAX_TXS_PER_MESSAGE, 10])
  assert.deepEqual(rec.txs.map(({ tx }) => tx), txs)
})

test('three hosts in a line: gossip is relayed through the middle; a reject stops the relay and lowers the sender’s score', async (t) => {
  const networkId = freshNetworkId()
  const [aRec, bRec, cRec] = [recorder(), recorder(), recorder()]
  const b = await startNetwork(t, { networkId, validators: bRec })
  const a = await startNetwork(t, { networkId, validators: aRec, join: [b] })
  const c = await startNetwork(t, { networkId, validators: cRec, join: [b] })
  await waitForMesh([a, c], 1)
  await waitForMesh([b], 2)
  assert.equal(connected(a, c), false, 'a and c know only b (no DHT, no mDNS)')

  const first = sampleBlock(1)
  await a.publishBlock(first)
  await waitFor('the block at c', () => cRec.blocks.length === 1)
  assert.deepEqual(cRec.blocks, [{ block: first, from: b.peerId }])
  const tx = sampleTx(networkId, 1)
  await c.publishTransactions([tx])
  await waitFor('the transaction at a', () => aRec.txs.length === 1)
  assert.deepEqual(aRec.txs, [{ tx, from: b.peerId }])

  bRec.verdict = 'reject'
  const rejected = sampleBlock(2)
  await a.publishBlock(rejected)
  // The score falls where gossipsub decides between relay and rejection: once it has fallen,
  // the block was not relayed.
  await waitFor('a’s score at b to fall', () => b.gossipScore(a.peerId) < 0)
  const points = b.penalties.points(a.peerId)
  assert.ok(points > 0.99 * PENALTY_POINTS['invalid-block'] && points <= PENALTY_POINTS['invalid-block'], `points ${points}`)
  assert.deepEqual(bRec.blocks.map((entry) => entry.block), [first, rejected])

  // Had b relayed the rejected block, c would see it before this one (same stream, in order).
  bRec.verdict = 'accept'
  const control = sampleBlock(3)
  await b.publishBlock(control)
  await waitFor('the control block at c', () => cRec.blocks.length >= 2)
  assert.deepEqual(cRec.blocks.map((entry) => entry.block), [first, control])
})

test('garbage, oversized and wrong-network messages never reach the validators', async (t) => {
  const networkId = freshNetworkId()
  const names = networkNames(networkId)
  const other = networkNames(freshNetworkId())
  const rec = recorder()
  const receiver = await startNetwork(t, { networkId, validators: rec })
  const blockSender = await startNetwork(t, { networkId, join: [receiver] })
  const txSender = await startNetwork(t, { networkId, join: [receiver] })
  await waitForMesh([receiver], 2)

  const controlBlock = sampleBlock(9)
  const controlTx = sampleTx(networkId, 9)
  // One RPC each, so the control message is processed with the bad ones, before any score change.
  await sendRawGossip(blockSender, receiver, [
    [
      { topic: names.blockTopic, data: Uint8Array.from([0xff, 0x00, 0x13, 0x37]) },
      { topic: names.blockTopic, data: encodeBlock(sampleBlock(10, 0, [sampleTx(networkId, 1)])).fill(0, 0, 1) },
      { topic: names.blockTopic, data: new Uint8Array(MAX_BLOCK_BYTES + 1) },
      { topic: names.blockTopic, data: encodeHeader(sampleBlock(11).header) },
      { topic: other.blockTopic, data: encodeBlock(sampleBlock(12)) },
      { topic: names.blockTopic, data: encodeBlock(controlBlock) },
    ],
  ])
  await sendRawGossip(txSender, receiver, [
    [
      { topic: names.txTopic, data: Uint8Array.from([0x82, 0x01]) },
      { topic: names.txTopic, data: new Uint8Array(GOSSIP_MAX_TX_MESSAGE_BYTES + 1) },
      { topic: names.txTopic, data: encodeBlock(sampleBlock(13)) },
      { topic: names.txTopic, data: encodeTransaction(sampleTx(networkId, 4)) },
      { topic: names.txTopic, data: encode([]) },
      { topic: other.txTopic, data: encodeTransactionMessage([encodeTransaction(sampleTx(networkId, 3))]) },
      { topic: names.txTopic, data: encodeTransactionMessage([encodeTransaction(controlTx)]) },
    ],
  ])
  await waitFor('both control messages', () => rec.blocks.length >= 1 && rec.txs.length >= 1)
  await waitFor('every bad message to be judged', () => receiver.gossipCounts().block.malformed === 4 && receiver.gossipCounts().tx.malformed === 5)
  assert.deepEqual(rec.blocks, [{ block: controlBlock, from: blockSender.peerId }])
  assert.deepEqual(rec.txs, [{ tx: controlTx, from: txSender.peerId }])
  assert.deepEqual(receiver.gossipCounts(), {
    block: { accept: 1, ignore: 0, reject: 0, malformed: 4 },
    tx: { accept: 1, ignore: 0, reject: 0, malformed: 5 },
  })
  // Four malformed messages are two bans' worth: the senders are gone.
  await waitFor('both senders banned and disconnected', () => !connected(receiver, blockSender) && !connected(receiver, txSender))
  assert.equal(receiver.isBanned(blockSender.peerId), true)
  assert.equal(receiver.isBanned(txSender.peerId), true)
})

test('a peer that keeps publishing invalid blocks is disconnected and cannot come back during its ban', async (t) => {
  const networkId = freshNetworkId()
  const rec = recorder('reject')
  const receiver = await startNetwork(t, { networkId, validators: rec })
  const bad = await startNetwork(t, { networkId, join: [receiver] })
  await waitForMesh([bad, receiver], 1)
  const bans: string[] = []
  receiver.on('peer:ban', (peer, reason) => bans.push(`${peer} ${reason}`))

  await bad.publishBlock(sampleBlock(1))
  await waitFor('the first penalty', () => receiver.penalties.points(bad.peerId) > 0)
  assert.equal(receiver.isBanned(bad.peerId), false, 'one invalid block is not enough for a ban')
  await bad.publishBlock(sampleBlock(2))
  await waitFor('the ban and the disconnection', () => receiver.isBanned(bad.peerId) && !connected(receiver, bad) && !connected(bad, receiver))
  assert.deepEqual(bans, [`${bad.peerId} invalid-block`])
  assert.equal(rec.blocks.length, 2)

  // The gater refuses the banned peer both ways. Its dial in completes the encryption
  // handshake (the peer id is known only then) and is cut there: libp2p may hand the dialer
  // a connection that is already closing, but the receiver never sees a peer.
  const reconnects: string[] = []
  receiver.on('peer:connect', (peer) => reconnects.push(peer))
  await bad.libp2p.dial(receiver.libp2p.getMultiaddrs()[0]!).catch(() => undefined)
  await waitFor('the refused connection to close', () => !connected(bad, receiver))
  await assert.rejects(receiver.libp2p.dial(bad.libp2p.getMultiaddrs()[0]!))
  assert.deepEqual(reconnects, [])
  assert.equal(connected(receiver, bad), false)
  assert.deepEqual(receiver.peers(), [])
})
