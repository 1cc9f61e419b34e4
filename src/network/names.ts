/**
 * The names that keep networks apart: every topic, protocol and mDNS service name carries the
 * network's tag, the first NETWORK_TAG_HEX_DIGITS hex digits of its genesis hash. Two nodes
 * of different networks therefore never share a gossip topic, a DHT, or a sync protocol.
 */
import { toHex } from '../encoding/bytes.js'
import { HASH_BYTES } from '../crypto/hash.js'
import { NETWORK_TAG_HEX_DIGITS } from './constants.js'

export interface NetworkNames {
  /** The short form of the network id, e.g. `3fa9c1d07b2e4a61`. */
  readonly tag: string
  readonly blockTopic: string
  readonly txTopic: string
  readonly syncProtocol: string
  readonly dhtProtocol: string
  /** mDNS service name: a DNS name whose first label is at most 63 characters. */
  readonly mdnsService: string
}

export function networkTag(networkId: Uint8Array): string {
  if (networkId.length !== HASH_BYTES) throw new TypeError(`network id: expected ${HASH_BYTES} bytes, got ${networkId.length}`)
  return toHex(networkId).slice(0, NETWORK_TAG_HEX_DIGITS)
}

export function networkNames(networkId: Uint8Array): NetworkNames {
  const tag = networkTag(networkId)
  return {
    tag,
    blockTopic: `/chain/${tag}/block/1`,
    txTopic: `/chain/${tag}/tx/2`,
    syncProtocol: `/chain/${tag}/sync/1`,
    dhtProtocol: `/chain/${tag}/kad/1.0.0`,
    mdnsService: `_chain-${tag}._udp.local`,
  }
}
