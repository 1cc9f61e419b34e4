/**
 * The metrics list in docs/metrics.md and the Grafana dashboard agree with what the node
 * registers: every chain_ metric is documented, and the dashboard asks only for real ones.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeMetrics } from '../../src/metrics/metrics.js'
import { REPO_ROOT } from '../helpers/cli.js'

function nodeMetrics(): NodeMetrics {
  return new NodeMetrics({
    head: () => ({ height: 7, totalWork: 12_345n }),
    peers: () => [{ direction: 'inbound' }, { direction: 'inbound' }, { direction: 'outbound' }],
    gossipCounts: () => ({ block: { accept: 3, ignore: 1, reject: 0, malformed: 0 }, tx: { accept: 5, ignore: 0, reject: 2, malformed: 1 } }),
    mempool: () => ({ transactions: 4, bytes: 900 }),
    sync: () => ({ current: 5, target: 9 }),
    rpc: () => ({ webSockets: 2, subscriptions: 3 }),
    caches: () => ({ trieNodes: { bytes: 1_000, limit: 32_000 }, state: { bytes: 200, limit: 16_000 }, levelDb: { bytes: 5_000, limit: 16_000 } }),
    receipts: () => [],
  })
}

test('the node’s levels are read when scraped', async () => {
  const metrics = nodeMetrics()
  metrics.blockImported({ status: 'head', durationMs: 12 })
  metrics.transactionOffered('admitted')
  metrics.transactionOffered('MEMPOOL_ERROR_NONCE_TOO_LOW')
  metrics.peerPenalised('invalid-block')
  const { contentType, body } = await metrics.text()
  assert.match(contentType, /^text\/plain; version=0\.0\.4/)
  for (const line of [
    'chain_head_height 7',
    'chain_head_total_work 12345',
    'chain_peers{direction="inbound"} 2',
    'chain_peers{direction="outbound"} 1',
    'chain_gossip_messages_total{topic="tx",verdict="reject"} 2',
    'chain_gossip_messages_total{topic="block",verdict="accept"} 3',
    'chain_mempool_transactions 4',
    'chain_sync_active 1',
    'chain_sync_target_height 9',
    'chain_block_imports_total{result="head"} 1',
    'chain_block_import_duration_seconds_count 1',
    'chain_mempool_admissions_total{result="MEMPOOL_ERROR_NONCE_TOO_LOW"} 1',
    'chain_peer_penalties_total{reason="invalid-block"} 1',
    'chain_rpc_subscriptions 3',
    'chain_cache_bytes{cache="trie_nodes"} 1000',
    'chain_cache_limit_bytes{cache="state"} 16000',
    'chain_cache_bytes{cache="leveldb"} 5000',
  ]) {
    assert.ok(body.split('\n').includes(line), `${line} in the scrape`)
  }
})

test('docs/metrics.md lists every chain_ metric, and the Grafana dashboard uses only real ones', async () => {
  const registered = (await nodeMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name)
  const own = registered.filter((name) => name.startsWith('chain_')).sort()
  const docs = await readFile(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8')
  const documented = [...docs.matchAll(/^\| `(chain_[a-z_]+)` \|/gm)].map((match) => match[1]!).sort()
  assert.deepEqual(documented, own)

  const dashboard = JSON.parse(await readFile(join(REPO_ROOT, 'docs', 'grafana', 'chain-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] }
  const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr))
  const used = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\b((?:chain|process|nodejs)_[a-z0-9_]+)/g)].map((match) => match[1]!)))
  const known = new Set(registered.flatMap((name) => [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]))
  for (const name of used) assert.ok(known.has(name), `the dashboard asks for ${name}, which the node does not export`)
  for (const name of own) assert.ok([...used].some((usedName) => usedName === name || usedName.startsWith(`${name}_`)), `${name} is on the dashboard`)
})
