/**
 * One bare libp2p host of the node benchmark's raw line, in a process of its own (the raw line
 * of bench/propagation.ts starts five): the network layer of a node (src/network) and nothing
 * else, its validator accepting each block at once. It notes when each block first reaches
 * its validator, and the host at the line's end publishes when asked.
 *
 * Arguments: the network id (hex), the block size limit, and the address to join ('' for
 * none). Times are the wall clock in ms with microseconds (`performance.timeOrigin` plus
 * `performance.now()`), comparable between processes.
 */
import { fromHex } from '../src/encoding/bytes.js'
import { sampleBlock } from '../test/network/helpers.js'
import { failure, replyToParent } from './child-program.js'
import { Cleanups, startHost } from './node-processes.js'

export type HostRequest =
  | { readonly kind: 'peers' }
  | { readonly kind: 'publish'; readonly height: number; readonly salt: number }
  | { readonly kind: 'arrivals' }
  | { readonly kind: 'close' }

export type HostReply =
  | { readonly kind: 'ready'; readonly address: string }
  | { readonly kind: 'peers'; readonly count: number }
  | { readonly kind: 'published'; readonly at: number }
  | { readonly kind: 'arrivals'; readonly at: readonly (readonly [height: number, at: number])[] }
  | { readonly kind: 'closed' }

const wallClock = (): number => performance.timeOrigin + performance.now()

async function main(): Promise<void> {
  const [networkId, maxBlockBytes, bootstrap] = process.argv.slice(2) as [string, string, string]
  const cleanups = new Cleanups()
  const arrivals = new Map<number, number>()
  try {
    const id = fromHex(networkId)
    if (id === undefined) throw new TypeError(`the network id ${networkId} is not hex`)
    const host = await startHost(cleanups, {
      networkId: id,
      maxBlockBytes: Number(maxBlockBytes),
      bootstrap: bootstrap === '' ? [] : [bootstrap],
      onBlock: (block) => {
        if (!arrivals.has(block.header.height)) arrivals.set(block.header.height, wallClock())
        return Promise.resolve('accept')
      },
    })
    process.on('message', (request: HostRequest) => {
      const answer = async (): Promise<HostReply> => {
        switch (request.kind) {
          case 'peers':
            return { kind: 'peers', count: host.gossipPeers().length }
          case 'publish': {
            const at = wallClock()
            await host.publishBlock(sampleBlock(request.height, request.salt))
            return { kind: 'published', at }
          }
          case 'arrivals':
            return { kind: 'arrivals', at: [...arrivals] }
          case 'close':
            await cleanups.run()
            return { kind: 'closed' }
        }
      }
      answer()
        .catch((error: unknown) => failure('a raw host', error))
        .then((reply) => {
          replyToParent(reply)
          if (reply.kind === 'closed' || reply.kind === 'failed') process.disconnect()
        })
        .catch(() => process.exit(1))
    })
    replyToParent<HostReply>({ kind: 'ready', address: host.multiaddrs()[0]! })
  } catch (error) {
    await cleanups.run()
    replyToParent(failure('a raw host', error))
    process.disconnect()
  }
}

await main()
