/**
 * `chain peers` on both ends of one connection: the node that dialled (through `--bootstrap`)
 * lists its peer as outbound, the node that was dialled lists it as inbound; and each node logs
 * the peer joining, with that direction, and leaving.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startNode, waitFor, waitForLog } from '../helpers/node.js'

const STEP_TIMEOUT_MS = 90_000

interface PeersResult {
  readonly peers: readonly { readonly peerId: string; readonly direction: string }[]
}

test('chain peers shows each side of a connection with its own direction, and the logs say who joined and left', async (t) => {
  const listener = await startNode(t)
  const dialler = await startNode(t, { bootstrap: [listener.info.multiaddrs[0]!] })

  const peersOf = async (node: typeof listener): Promise<PeersResult['peers']> => {
    const run = await node.cli(['peers', '--json'])
    assert.equal(run.code, 0, run.stderr)
    return (JSON.parse(run.stdout) as PeersResult).peers
  }
  const onDialler = await waitFor('the dialler to see its peer', async () => ((await peersOf(dialler)).length > 0 ? peersOf(dialler) : undefined), STEP_TIMEOUT_MS)
  const onListener = await waitFor('the listener to see its peer', async () => ((await peersOf(listener)).length > 0 ? peersOf(listener) : undefined), STEP_TIMEOUT_MS)
  assert.deepEqual(onDialler.map(({ peerId, direction }) => ({ peerId, direction })), [{ peerId: listener.info.peerId, direction: 'outbound' }])
  assert.deepEqual(onListener.map(({ peerId, direction }) => ({ peerId, direction })), [{ peerId: dialler.info.peerId, direction: 'inbound' }])

  const text = await dialler.cli(['peers'])
  assert.match(text.stdout, new RegExp(`^${listener.info.peerId} outbound`, 'm'))

  // the logs, at info: a peer joined, with its direction, on each side; it left when it stopped
  await waitFor('the join logged', () => Promise.resolve(/INFO +\[node:net\] peer connected peer=\S+ direction=inbound/.test(listener.log()) ? true : undefined), STEP_TIMEOUT_MS)
  await waitForLog(dialler, new RegExp(`INFO +\\[node:net\\] peer connected peer=${listener.info.peerId} direction=outbound`), STEP_TIMEOUT_MS)
  await dialler.stop()
  await waitFor('the leave logged', () => Promise.resolve(new RegExp(`INFO +\\[node:net\\] peer disconnected peer=${dialler.info.peerId}`).test(listener.log()) ? true : undefined), STEP_TIMEOUT_MS)
})
