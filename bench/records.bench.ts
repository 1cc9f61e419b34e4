/**
 * Encrypted records beside their floor, measured in the same run: sealing a 1 KiB record to
 * three recipients (three HPKE encapsulations, one ChaCha20-Poly1305 pass) against three bare
 * X25519 key agreements, and opening one against one key agreement. The ratio is what HKDF,
 * the AEAD and the encoding add to the elliptic-curve work that cannot be avoided.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '../src/crypto/hash.js'
import { generateKeyPair } from '../src/crypto/hpke.js'
import { bytesEqual, utf8 } from '../src/encoding/bytes.js'
import { openRecord, sealRecord } from '../src/ledger/encrypted-record.js'
import { opsPerSecond, type Benchmark, type Figure } from './harness.js'

const PLAINTEXT_BYTES = 1024
const RECIPIENTS = 3
const MEASURE_MS = 2_000

export const benchmark: Benchmark = {
  name: 'records',
  async run(): Promise<Figure[]> {
    const readers = Array.from({ length: RECIPIENTS }, (_, i) => ({ id: sha256(utf8(`reader ${i}`)).subarray(0, 20), keys: generateKeyPair() }))
    const recipients = readers.map((reader) => ({ id: reader.id, key: reader.keys.publicKey }))
    const sender = readers[0]!
    const plaintext = new Uint8Array(PLAINTEXT_BYTES).fill(7)
    const record = sealRecord(sender.id, recipients, plaintext)
    const secretOf = (publicKey: Uint8Array): Uint8Array | undefined => (bytesEqual(publicKey, sender.keys.publicKey) ? sender.keys.secretKey : undefined)
    if (!bytesEqual(openRecord(record, sender.id, sender.id, secretOf), plaintext)) throw new Error('bench setup: the record does not open')
    const ephemeral = generateKeyPair()

    const sealed = await opsPerSecond(() => sealRecord(sender.id, recipients, plaintext), MEASURE_MS)
    const agreements = await opsPerSecond(() => x25519.getSharedSecret(ephemeral.secretKey, sender.keys.publicKey), MEASURE_MS)
    const opened = await opsPerSecond(() => openRecord(record, sender.id, sender.id, secretOf), MEASURE_MS)
    return [
      {
        name: `records sealed (${PLAINTEXT_BYTES} bytes, ${RECIPIENTS} recipients)`,
        value: sealed,
        unit: 'records/s',
        baseline: { name: `${RECIPIENTS} bare X25519 key agreements (the floor)`, value: agreements / RECIPIENTS },
      },
      {
        name: `records opened (${PLAINTEXT_BYTES} bytes)`,
        value: opened,
        unit: 'records/s',
        baseline: { name: 'one bare X25519 key agreement (the floor)', value: agreements },
      },
    ]
  },
}
