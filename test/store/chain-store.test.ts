import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { Chain } from '../../src/chain/chain.js'
import { createConsensus } from '../../src/consensus/create.js'
import { encode } from '../../src/encoding/cbor.js'
import { toHex, utf8 } from '../../src/encoding/bytes.js'
import { ChainStore, SCHEMA_VERSION, StoreBatch } from '../../src/store/chain-store.js'
import { keys } from '../../src/store/keys.js'
import { ContractVm } from '../../src/vm/vm.js'
import { extendChain, openTestChain, tempDir, testGenesis } from '../helpers/chain.js'

/** Every key and value of a LevelDB, read raw: what "changes nothing" is checked against. */
async function contents(path: string): Promise<string[]> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
  const out: string[] = []
  for await (const [key, value] of db.iterator()) out.push(`${toHex(key)}=${toHex(value)}`)
  await db.close()
  return out
}

async function rawPut(path: string, key: Uint8Array, value: Uint8Array): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.put(key, value)
  await db.close()
}

/** A closed chain database of a few blocks, and its network id. */
async function storedChain(t: Parameters<typeof openTestChain>[0]): Promise<{ path: string; networkId: Uint8Array }> {
  const path = join(await tempDir(t), 'db')
  const chain = await openTestChain(t, testGenesis(), path)
  await extendChain(chain, 3)
  await chain.close()
  return { path, networkId: chain.networkId }
}

async function openChain(path: string): Promise<Chain> {
  const genesis = testGenesis()
  const vm = new ContractVm()
  try {
    return await Chain.open({ path, genesis, consensus: createConsensus(genesis), vm })
  } finally {
    vm.close()
  }
}

test('a database of another schema version is refused, unchanged', async (t) => {
  const { path, networkId } = await storedChain(t)
  await rawPut(path, keys.schema(), encode([SCHEMA_VERSION + 1, networkId]))
  const before = await contents(path)
  await assert.rejects(ChainStore.open(path, networkId), {
    name: 'StoreError',
    code: 'STORE_ERROR_INCOMPATIBLE',
    data: { path, detail: `written with schema ${SCHEMA_VERSION + 1}; this version of chain reads schema ${SCHEMA_VERSION}` },
  })
  assert.deepEqual(await contents(path), before)
})

test('a database of another network is refused, unchanged', async (t) => {
  const { path, networkId } = await storedChain(t)
  const before = await contents(path)
  const other = new Uint8Array(32).fill(1)
  await assert.rejects(ChainStore.open(path, other), {
    code: 'STORE_ERROR_WRONG_NETWORK',
    data: { path, detail: `it belongs to network ${toHex(networkId)}, not ${toHex(other)}` },
  })
  assert.deepEqual(await contents(path), before)
})

test('records that contradict each other or do not decode are corruption, and nothing is written', async (t) => {
  const { path } = await storedChain(t)
  // the head names a block that is not there
  await rawPut(path, keys.head(), new Uint8Array(32).fill(7))
  let before = await contents(path)
  await assert.rejects(openChain(path), { code: 'STORE_ERROR_CORRUPT', data: { path, detail: `head ${'07'.repeat(32)} is missing` } })
  assert.deepEqual(await contents(path), before)
  // an unreadable schema record
  const second = await storedChain(t)
  await rawPut(second.path, keys.schema(), utf8('not cbor at all'))
  before = await contents(second.path)
  await assert.rejects(ChainStore.open(second.path, second.networkId), { code: 'STORE_ERROR_CORRUPT', data: { path: second.path, detail: 'the schema record is unreadable' } })
  assert.deepEqual(await contents(second.path), before)
})

test('damaged LevelDB files, a missing database and a locked one each give their error', async (t) => {
  const { path, networkId } = await storedChain(t)
  // CURRENT names the manifest LevelDB starts from: pointing it nowhere breaks the database
  await writeFile(join(path, 'CURRENT'), 'MANIFEST-999999\n')
  await assert.rejects(ChainStore.open(path, networkId), (error: { code?: string; message?: string }) => {
    assert.equal(error.code, 'STORE_ERROR_CORRUPT')
    assert.match(error.message!, /^cannot open the chain database: .+ \(database at /)
    return true
  })
  assert.ok((await readdir(path)).includes('CURRENT'), 'the damaged files are left for inspection')

  const missing = join(await tempDir(t), 'nothing')
  await assert.rejects(ChainStore.open(missing, networkId), { code: 'STORE_ERROR_NOT_FOUND', data: { path: missing, detail: 'no chain database here' } })

  const locked = await storedChain(t)
  const holder = await ChainStore.open(locked.path, locked.networkId)
  t.after(() => holder.close())
  await assert.rejects(ChainStore.open(locked.path, locked.networkId), {
    code: 'STORE_ERROR_LOCKED',
    data: { path: locked.path, detail: 'the chain database is in use by another process (a running node?)' },
  })
})

test('the state cache answers what LevelDB holds: after puts, deletes, a failed write and a reopen', async (t) => {
  const path = join(await tempDir(t), 'db')
  const networkId = new Uint8Array(32).fill(7)
  let store = await ChainStore.open(path, networkId, { create: true })
  t.after(() => store.close())
  const [a, b] = [utf8('key a'), utf8('key b')]
  assert.equal(store.state.get(a), undefined, 'absent, and now known to be')
  const value = utf8('value 1')
  await store.write(new StoreBatch().applyState([{ key: a, value }]))
  value.fill(0) // the writer's array, changed after the write: the cache holds its own copy
  assert.deepEqual(store.state.get(a), utf8('value 1'))
  await store.write(new StoreBatch().applyState([{ key: a, value: utf8('value 2') }, { key: b, value: utf8('value b') }]))
  assert.deepEqual([store.state.get(a), store.state.get(b)], [utf8('value 2'), utf8('value b')])
  await store.write(new StoreBatch().applyState([{ key: a, value: null }]))
  assert.equal(store.state.get(a), undefined)

  // A batch LevelDB refuses changes neither the database nor what the cache answers.
  const refused = new StoreBatch().applyState([{ key: a, value: utf8('never') }, { key: b, value: null }])
  refused.operations.push({ type: 'put', key: null as unknown as Uint8Array, value: utf8('bad') })
  await assert.rejects(store.write(refused))
  assert.deepEqual([store.state.get(a), store.state.get(b)], [undefined, utf8('value b')])

  await store.close()
  store = await ChainStore.open(path, networkId)
  assert.deepEqual([store.state.get(a), store.state.get(b)], [undefined, utf8('value b')], 'the same from LevelDB alone')
})

test('the caches report what they hold against their bounds; LevelDB’s part reads nothing once closed', async (t) => {
  const { path, networkId } = await storedChain(t)
  const store = await ChainStore.open(path, networkId)
  store.state.get(utf8('a key no one wrote'))
  const state = store.stateCacheUsage
  assert.ok(state.bytes > 0 && state.bytes <= state.limit, `state cache: ${state.bytes} of ${state.limit}`)
  const open = store.levelDbUsage
  assert.equal(open.limit, 16 * 1024 * 1024, 'an 8 MiB block cache and two 4 MiB memtables')
  assert.ok(open.bytes > 0 && open.bytes <= open.limit, `LevelDB: ${open.bytes} of ${open.limit}`)
  await store.close()
  assert.deepEqual(store.levelDbUsage, { bytes: 0, limit: open.limit })
})
