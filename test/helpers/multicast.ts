/**
 * Whether mDNS can work on this machine: the probe the mDNS tests (network and node level)
 * run first, so that a machine without multicast skips them with the reason instead of failing.
 */
import { createSocket } from 'node:dgram'

/** An administratively scoped group (RFC 2365): never routed off the machine's site. */
const PROBE_GROUP = '239.255.42.99'
/** How long the probe waits for its own datagram: a looped-back datagram takes microseconds. */
const PROBE_TIMEOUT_MS = 1_000

/**
 * Why mDNS cannot work here, or `undefined` when a multicast datagram sent here comes back
 * here (IP_MULTICAST_LOOP), which is what two mDNS responders on one machine need.
 */
export async function multicastUnavailable(): Promise<string | undefined> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, () => resolve(socket.address().port))
    })
    socket.addMembership(PROBE_GROUP)
    socket.setMulticastLoopback(true)
    const heard = new Promise<boolean>((resolve) => {
      socket.once('message', () => resolve(true))
      setTimeout(() => resolve(false), PROBE_TIMEOUT_MS).unref()
    })
    socket.send('probe', port, PROBE_GROUP)
    return (await heard) ? undefined : 'a multicast datagram sent on this machine never came back (no multicast route?)'
  } catch (error) {
    return `multicast is not available here: ${(error as Error).message}`
  } finally {
    socket.close()
  }
}
