/** The names that keep networks apart. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex } from '../../src/encoding/bytes.js'
import { networkNames, networkTag } from '../../src/network/names.js'

test('every name carries the first 16 hex digits of the genesis hash', () => {
  const id = fromHex('3fa9c1d07b2e4a61' + '00'.repeat(24))!
  assert.deepEqual(networkNames(id), {
    tag: '3fa9c1d07b2e4a61',
    blockTopic: '/chain/3fa9c1d07b2e4a61/block/1',
    txTopic: '/chain/3fa9c1d07b2e4a61/tx/2',
    syncProtocol: '/chain/3fa9c1d07b2e4a61/sync/1',
    dhtProtocol: '/chain/3fa9c1d07b2e4a61/kad/1.0.0',
    mdnsService: '_chain-3fa9c1d07b2e4a61._udp.local',
  })
  assert.ok(networkNames(id).mdnsService.split('.')[0]!.length <= 63, 'a DNS label')
})

test('a network id must be a 32-byte hash', () => {
  assert.throws(() => networkTag(new Uint8Array(31)), { name: 'TypeError', message: 'network id: expected 32 bytes, got 31' })
})
