/** Scraping a node's Prometheus metrics page in tests. */
import assert from 'node:assert/strict'
import type { TestNode } from './node.js'

/** One scrape: each sample's value by its name and labels as printed (`name{a="b"}`). */
export type Scrape = ReadonlyMap<string, number>

export async function scrape(node: TestNode): Promise<Scrape> {
  assert.ok(node.info.metrics !== undefined, 'the node runs with --metrics and says where in node.json')
  const response = await fetch(node.info.metrics)
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  const samples = new Map<string, number>()
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** The sum of a metric's samples whose labels include every one of `labels` (`key="value"`). */
export function sample(scraped: Scrape, name: string, ...labels: string[]): number {
  let sum = 0
  for (const [key, value] of scraped) {
    const base = key.split('{')[0]
    if (base === name && labels.every((label) => key.includes(label))) sum += value
  }
  return sum
}
