/**
 * The store's sync-downloader tables (src/store, keys `H`, `B`, `msync-target`): written and
 * read back, kept apart from the block tables the sync server serves, cleared at once, and
 * surviving a reopen (what a restarted node resumes from).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ChainStore, StoreBatch } from '../../src/store/chain-store.js'
import { extendChain, openTestChain, signed, tempDir, testKey } from '../helpers/chain.js'

test('downloaded headers, bodies and the target are stored apart from the blocks, survive a reopen, and clear together', async (t) => {
  const source = await openTestChain(t)
  const blocks = await extendChain(source, 3, (height) => [signed(source, testKey(`store ${height}`), 0, { kind: 'participant', name: null })])
  const path = join(await tempDir(t), 'db')
  const store = await ChainStore.open(path, source.networkId, { create: true })
  assert.equal(store.syncTarget(), undefined)
  const target = { hash: source.head.hash, height: 3, totalWork: (1n << 70n) + 5n }
  const write = new StoreBatch().putSyncTarget(target)
  for (const block of blocks) write.putSyncHeader(block.header.height, block.header).putSyncBody(block.header.height, block.transactions)
  await store.write(write)
  assert.deepEqual(store.syncTarget(), target)
  assert.deepEqual(store.syncHeader(2), blocks[1]!.header)
  assert.deepEqual(store.syncBody(2), blocks[1]!.transactions)
  assert.equal(store.header(source.head.hash), undefined, 'nothing downloaded is in the served tables')
  assert.equal(store.block(source.head.hash), undefined)

  await store.write(new StoreBatch().clearSyncBlock(1))
  assert.equal(store.syncHeader(1), undefined)
  assert.equal(store.syncBody(1), undefined)
  await store.close()

  const reopened = await ChainStore.open(path, source.networkId)
  t.after(() => reopened.close())
  assert.deepEqual(reopened.syncTarget(), target)
  assert.deepEqual(reopened.syncBody(3), blocks[2]!.transactions)
  await reopened.clearSyncData()
  assert.equal(reopened.syncTarget(), undefined)
  assert.deepEqual([1, 2, 3].map((height) => [reopened.syncHeader(height), reopened.syncBody(height)]), [[undefined, undefined], [undefined, undefined], [undefined, undefined]])
})

test('an unreadable download record is corruption, reported as such', async (t) => {
  const source = await openTestChain(t)
  const path = join(await tempDir(t), 'db')
  const store = await ChainStore.open(path, source.networkId, { create: true })
  t.after(() => store.close())
  const write = new StoreBatch()
  ;(write.operations as { type: 'put'; key: Uint8Array; value: Uint8Array }[]).push({ type: 'put', key: Uint8Array.from([0x48, 0, 0, 0, 0, 0, 0, 0, 7]), value: Uint8Array.from([0xff]) })
  await store.write(write)
  assert.throws(
    () => store.syncHeader(7),
    (error: Error & { code?: string; data?: { path: string; detail: string } }) =>
      error.code === 'STORE_ERROR_CORRUPT' && error.data?.path === path && /^unreadable downloaded header: /.test(error.data.detail),
  )
})
