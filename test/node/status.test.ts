/**
 * The node's heartbeat logs: a status line only when something changed (the hash rate aside),
 * and the transactions peers sent, counted per interval. Small stand-ins for the chain, pool,
 * network and miner (only the fields the reporter reads); a real logger into an array.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../../src/log.js'
import { StatusReporter, type StatusInit } from '../../src/node/status.js'

function reporter(): { lines: string[]; state: { height: number; peers: number; mempool: number; received: number }; status: StatusReporter } {
  const lines: string[] = []
  const state = { height: 1, peers: 0, mempool: 0, received: 0 }
  let hashes = 0
  const init: StatusInit = {
    chain: { get head() { return { header: { height: state.height }, hash: new Uint8Array(32).fill(state.height) } as unknown as StatusInit['chain']['head'] } },
    consensus: () => ({ type: 'pow', signing: true }),
    mempool: { get size() { return state.mempool } },
    network: { peers: () => Array.from({ length: state.peers }, () => ({}) as ReturnType<StatusInit['network']['peers']>[number]) },
    mining: { hashRate: () => ++hashes * 1000, blocksMined: 0 },
    log: createLogger({ level: 'info', format: 'text', component: 'node', write: (line) => lines.push(line) }),
    terminal: false,
    syncing: () => false,
    takeTransactionsReceived: () => {
      const count = state.received
      state.received = 0
      return count
    },
  }
  return { lines, state, status: new StatusReporter(init) }
}

describe('the status log', () => {
  it('is written only when the height, head, peers, pool or mined count changed, not for the hash rate alone', () => {
    const { lines, state, status } = reporter()
    status.report()
    status.report()
    status.report()
    assert.equal(lines.length, 1, 'one line for three ticks of an idle node')
    assert.match(lines[0]!, /INFO {2}\[node\] status height=1 head=010101010101 peers=0 mempool=0 mined=0 hashRate=/)
    state.peers = 1
    status.report()
    state.height = 2
    status.report()
    status.report()
    assert.equal(lines.length, 3)
    assert.match(lines[1]!, / peers=1 /)
    assert.match(lines[2]!, / height=2 /)
  })

  it('counts the transactions peers sent in each interval, and says nothing when there were none', () => {
    const { lines, state, status } = reporter()
    status.report()
    state.received = 7
    status.report()
    status.report()
    assert.deepEqual(
      lines.filter((line) => line.includes('transactions received')).map((line) => line.replace(/^\S+ /, '')),
      ['INFO  [node] transactions received count=7 seconds=30'],
    )
  })
})
