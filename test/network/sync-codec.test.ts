/**
 * The sync protocol's messages: every request and answer round-trips, any byte string decodes
 * to at most one message (the one that re-encodes to it), and every malformed or out-of-bounds
 * message is refused with a typed error naming the field.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encode, EncodingError } from '../../src/encoding/cbor.js'
import { encodeHeader } from '../../src/ledger/block.js'
import { MAX_HEADER_BYTES } from '../../src/ledger/constants.js'
import { encodeTransaction } from '../../src/ledger/transaction.js'
import { SYNC_MAX_BODIES, SYNC_MAX_HEADERS, SYNC_MAX_REASON_BYTES, SYNC_MAX_REQUEST_BYTES } from '../../src/network/constants.js'
import {
  decodeBodiesAnswer,
  decodeHeadersAnswer,
  decodeRequest,
  decodeStatusAnswer,
  encodeBodiesAnswer,
  encodeErrorAnswer,
  encodeHeadersAnswer,
  encodeRequest,
  encodeStatusAnswer,
  type ChainStatus,
  type SyncRequest,
} from '../../src/network/sync-codec.js'
import { freshNetworkId, sampleBlock, sampleTx } from './helpers.js'

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 })
const status: fc.Arbitrary<ChainStatus> = fc.record({
  genesisHash: hash,
  headHash: hash,
  headHeight: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  totalWork: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
}, { noNullPrototype: true })
const request: fc.Arbitrary<SyncRequest> = fc.oneof(
  status.map((s) => ({ kind: 'status' as const, status: s })),
  fc.record({
    kind: fc.constant('headers' as const),
    start: fc.oneof(hash.map((h) => ({ hash: h })), fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((height) => ({ height }))),
    count: fc.integer({ min: 1, max: SYNC_MAX_HEADERS }),
    backwards: fc.boolean(),
  }, { noNullPrototype: true }),
  fc.record({ kind: fc.constant('bodies' as const), hashes: fc.array(hash, { minLength: 1, maxLength: SYNC_MAX_BODIES }) }, { noNullPrototype: true }),
)

function refused(read: () => unknown, code: EncodingError['code'], what: string, detail: string): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof EncodingError)
    assert.deepEqual({ code: error.code, data: error.data }, { code, data: { what, detail } })
    return true
  })
}

describe('sync requests', () => {
  it('round-trip', () => {
    fc.assert(fc.property(request, (r) => assert.deepEqual(decodeRequest(encodeRequest(r)), r)))
  })

  it('decode from any bytes only to the request that encodes back to them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), request.map(encodeRequest).chain((bytes) => fc.nat({ max: bytes.length - 1 }).map((i) => bytes.map((b, j) => (j === i ? b ^ 0x01 : b))))), (bytes) => {
        let decoded: SyncRequest
        try {
          decoded = decodeRequest(bytes)
        } catch (error) {
          assert.ok(error instanceof EncodingError, String(error))
          return
        }
        assert.deepEqual(encodeRequest(decoded), bytes)
      }),
    )
  })

  it('are refused when out of bounds or malformed', () => {
    const h = new Uint8Array(32)
    refused(() => decodeRequest(encode([1, 0, 0, true])), 'ENCODING_ERROR_BAD_SHAPE', 'count', 'expected at least 1 header')
    refused(() => decodeRequest(encode([1, 0, SYNC_MAX_HEADERS + 1, true])), 'ENCODING_ERROR_BAD_SHAPE', 'count', `expected an integer from 0 to ${SYNC_MAX_HEADERS}, got number ${SYNC_MAX_HEADERS + 1}`)
    refused(() => decodeRequest(encode([1, new Uint8Array(31), 1, true])), 'ENCODING_ERROR_BAD_SHAPE', 'start hash', 'expected 32 bytes, got 31 bytes')
    refused(() => decodeRequest(encode([1, 0, 1, 1])), 'ENCODING_ERROR_BAD_SHAPE', 'backwards', 'expected a boolean')
    refused(() => decodeRequest(encode([1, -1, 1, true])), 'ENCODING_ERROR_BAD_SHAPE', 'start height', 'expected an integer from 0 to 9007199254740991, got number -1')
    refused(() => decodeRequest(encode([2, []])), 'ENCODING_ERROR_BAD_SHAPE', 'hashes', 'expected at least 1 hash')
    refused(() => decodeRequest(encode([2, Array(SYNC_MAX_BODIES + 1).fill(h)])), 'ENCODING_ERROR_BAD_SHAPE', 'hashes', `expected an array of at most ${SYNC_MAX_BODIES}, got an array of ${SYNC_MAX_BODIES + 1}`)
    refused(() => decodeRequest(encode([0, h, h, 5, Uint8Array.from([0, 1])])), 'ENCODING_ERROR_BAD_SHAPE', 'totalWork', 'expected at most 32 bytes without leading zeros')
    refused(() => decodeRequest(encode([0, h, h, 5, new Uint8Array(33).fill(1)])), 'ENCODING_ERROR_BAD_SHAPE', 'totalWork', 'expected at most 32 bytes without leading zeros')
    refused(() => decodeRequest(encode([0, h, h, 5])), 'ENCODING_ERROR_BAD_SHAPE', 'status request', 'expected an array of 5, got an array of 4')
    refused(() => decodeRequest(encode([9])), 'ENCODING_ERROR_BAD_SHAPE', 'request kind', 'unknown kind 9')
    refused(() => decodeRequest(encode([3])), 'ENCODING_ERROR_BAD_SHAPE', 'pooled request', 'expected an array of 2, got an array of 1')
    refused(() => decodeRequest(encode([3, 0])), 'ENCODING_ERROR_BAD_SHAPE', 'count', 'expected at least 1 transaction')
    refused(() => decodeRequest(encode([])), 'ENCODING_ERROR_BAD_SHAPE', 'sync request', 'expected a non-empty array')
    refused(() => decodeRequest(Uint8Array.from([0x82, 0x18, 0x01, 0x00])), 'ENCODING_ERROR_MALFORMED', 'sync request', 'integer encoded in more bytes than necessary (strict decode)')
    refused(() => decodeRequest(new Uint8Array(SYNC_MAX_REQUEST_BYTES + 1)), 'ENCODING_ERROR_TOO_LARGE', 'sync request', `${SYNC_MAX_REQUEST_BYTES + 1} bytes is over the limit of ${SYNC_MAX_REQUEST_BYTES}`)
  })
})

describe('sync answers', () => {
  it('statuses round-trip', () => {
    fc.assert(fc.property(status, (s) => assert.deepEqual(decodeStatusAnswer(encodeStatusAnswer(s), 256), { ok: true, value: s })))
  })

  it('error answers round-trip, their reason cut to the limit on a character boundary', () => {
    fc.assert(
      fc.property(fc.constantFrom('invalid-request', 'rate-limited', 'busy', 'server-error' as const), fc.string({ unit: 'grapheme', maxLength: 300 }), (error, reason) => {
        const answer = decodeStatusAnswer(encodeErrorAnswer(error, reason), 2048)
        assert.equal(answer.ok, false)
        if (answer.ok) return
        assert.equal(answer.error, error)
        assert.ok(reason.startsWith(answer.reason) && Buffer.byteLength(answer.reason) <= SYNC_MAX_REASON_BYTES)
      }),
    )
    refused(() => decodeStatusAnswer(encode([9, 'x']), 256), 'ENCODING_ERROR_BAD_SHAPE', 'answer code', 'unknown code 9')
    refused(() => decodeStatusAnswer(encode([1, 'x'.repeat(SYNC_MAX_REASON_BYTES + 1)]), 2048), 'ENCODING_ERROR_BAD_SHAPE', 'reason', `expected text of at most ${SYNC_MAX_REASON_BYTES} bytes, got string`)
  })

  it('headers carry the hash of the bytes received, and are bounded in count and size', () => {
    const headers = [sampleBlock(2).header, sampleBlock(1).header]
    const answer = decodeHeadersAnswer(encodeHeadersAnswer(headers.map(encodeHeader)), 4096, 2)
    assert.ok(answer.ok)
    assert.deepEqual(answer.value.map((item) => item.header), headers)
    refused(() => decodeHeadersAnswer(encodeHeadersAnswer(headers.map(encodeHeader)), 4096, 1), 'ENCODING_ERROR_BAD_SHAPE', 'headers', 'expected an array of at most 1, got an array of 2')
    refused(() => decodeHeadersAnswer(encode([0, [new Uint8Array(MAX_HEADER_BYTES + 1)]]), 4096, 1), 'ENCODING_ERROR_BAD_SHAPE', 'header', `${MAX_HEADER_BYTES + 1} bytes, limit ${MAX_HEADER_BYTES}`)
    assert.throws(() => decodeHeadersAnswer(encode([0, [encode([1, 2, 3])]]), 4096, 1), { name: 'BlockError', code: 'BLOCK_ERROR_MALFORMED' })
  })

  it('bodies decode their transactions strictly', () => {
    const networkId = freshNetworkId()
    const txs = [sampleTx(networkId, 0), sampleTx(networkId, 1)]
    const answer = decodeBodiesAnswer(encodeBodiesAnswer([txs.map(encodeTransaction), []]), 1 << 16, 2)
    assert.deepEqual(answer, { ok: true, value: [txs, []] })
    assert.throws(() => decodeBodiesAnswer(encode([0, [[Uint8Array.from([1, 2])]]]), 1 << 16, 1), { name: 'TxError', code: 'TX_ERROR_MALFORMED' })
    refused(() => decodeBodiesAnswer(encodeBodiesAnswer([[], [], []]), 1 << 16, 2), 'ENCODING_ERROR_BAD_SHAPE', 'bodies', 'expected an array of at most 2, got an array of 3')
  })
})
