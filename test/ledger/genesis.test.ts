/**
 * The genesis file: the built-in networks, every field's validation with its exact error,
 * JSON round trips, and a configuration hash that changes whenever any field does.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toHex } from '../../src/encoding/bytes.js'
import { sha256 } from '../../src/crypto/hash.js'
import { BLOCK_VERSION } from '../../src/ledger/block.js'
import { MAX_BLOCK_BYTES_CEILING, MAX_GAS } from '../../src/ledger/constants.js'
import { EMPTY_MERKLE_ROOT } from '../../src/ledger/merkle.js'
import {
  genesisConfigHash,
  genesisHeader,
  genesisToJson,
  parseGenesis,
  DEFAULT_EPOCH_BLOCKS,
  type GenesisConfig,
  type GenesisErrorCode,
  type ProofOfWorkConfig,
} from '../../src/ledger/genesis.js'
import { BUILT_IN_NETWORKS, DEFAULT_NETWORK } from '../../src/ledger/networks.js'

/** A valid genesis file, in the canonical form `genesisToJson` writes. */
const VALID = {
  network: 'testnet-7',
  timestamp: Date.UTC(2026, 0, 1),
  params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: 1_000 },
  consensus: { type: 'pow', initialDifficulty: '4096', minimumDifficulty: '1024' },
  participants: [{ publicKey: 'aa'.repeat(32), name: 'Ada' }, { publicKey: 'bb'.repeat(32) }],
}
type GenesisJson = typeof VALID

/** `VALID` with a change at a dotted path (`undefined` deletes the field). */
function withField(path: string, value: unknown): string {
  const json = structuredClone(VALID) as Record<string, unknown>
  const keys = path.split('.')
  let target = json
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>
  if (value === undefined) delete target[keys.at(-1)!]
  else target[keys.at(-1)!] = value
  return JSON.stringify(json)
}

function refused(text: string, code: GenesisErrorCode, field: string, detail: string): void {
  assert.throws(() => parseGenesis(text), { name: 'GenesisError', code, data: { field, detail } }, `${field}: ${text.slice(0, 120)}`)
}

const pow = (c: GenesisConfig): ProofOfWorkConfig => c.consensus as ProofOfWorkConfig

const INTEGER = (min: number, max: number): string => `expected an integer from ${min} to ${max}`
const DIFFICULTY = 'expected a positive integer below 2^64 (number or decimal string)'
const NAME = 'expected printable text of 1 to 64 bytes without leading or trailing space'

function builtIn(name: string): GenesisConfig {
  const config = BUILT_IN_NETWORKS[name]
  assert.ok(config, name)
  return config
}

describe('built-in networks', () => {
  it('parse, and the default is one of them', () => {
    assert.deepEqual(Object.keys(BUILT_IN_NETWORKS).sort(), ['dev', 'main'])
    builtIn(DEFAULT_NETWORK)
    const dev = builtIn('dev')
    assert.equal(dev.network, 'dev')
    assert.deepEqual(dev.consensus, { type: 'pow', initialDifficulty: 4096n, minimumDifficulty: 1024n })
    assert.equal(dev.params.targetBlockTimeMs, 1_000)
    assert.equal(builtIn('main').params.targetBlockTimeMs, 10_000)
  })

  it('read back from their own JSON, and have different ids', () => {
    for (const config of Object.values(BUILT_IN_NETWORKS)) assert.deepEqual(parseGenesis(JSON.stringify(genesisToJson(config))), config)
    assert.notEqual(toHex(genesisConfigHash(builtIn('dev'))), toHex(genesisConfigHash(builtIn('main'))))
  })
})

describe('genesis validation', () => {
  it('rejects malformed input: random text, JSON and fields give GenesisError and nothing else', () => {
    const paths = ['network', 'timestamp', 'params', 'params.maxBlockBytes', 'params.blockGasLimit', 'params.targetBlockTimeMs', 'consensus', 'consensus.type', 'consensus.initialDifficulty', 'consensus.minimumDifficulty', 'participants', 'extra']
    const candidates = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.tuple(fc.constantFrom(...paths), fc.jsonValue()).map(([path, value]) => withField(path, value)),
    )
    fc.assert(
      fc.property(candidates, (text) => {
        try {
          parseGenesis(text)
        } catch (error) {
          assert.equal((error as Error).name, 'GenesisError', String(error))
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('accepts the valid file', () => {
    const config = parseGenesis(JSON.stringify(VALID))
    assert.equal(config.participants.length, 2)
    assert.equal(config.participants[1]!.name, null)
  })

  it('refuses what is not JSON, or not an object', () => {
    const detail = ((): string => {
      try {
        JSON.parse('{')
      } catch (error) {
        return (error as Error).message
      }
      return ''
    })()
    refused('{', 'GENESIS_ERROR_NOT_JSON', '', detail)
    refused('[]', 'GENESIS_ERROR_BAD_FIELD', '', 'expected an object')
    refused('null', 'GENESIS_ERROR_BAD_FIELD', '', 'expected an object')
  })

  it('refuses unknown fields at every level, naming them', () => {
    refused(withField('netwrok', 'x'), 'GENESIS_ERROR_UNKNOWN_FIELD', 'netwrok', 'unknown field')
    refused(withField('params.maxBlockByte', 1), 'GENESIS_ERROR_UNKNOWN_FIELD', 'params.maxBlockByte', 'unknown field')
    refused(withField('consensus.difficulty', 1), 'GENESIS_ERROR_UNKNOWN_FIELD', 'consensus.difficulty', 'unknown field')
    refused(withField('participants', [{ publicKey: 'aa'.repeat(32), key: 1 }]), 'GENESIS_ERROR_UNKNOWN_FIELD', 'participants[0].key', 'unknown field')
  })

  it('refuses missing fields and fields of the wrong type', () => {
    refused(withField('network', undefined), 'GENESIS_ERROR_BAD_FIELD', 'network', 'expected 1 to 32 of a-z, 0-9 and -, starting with a letter or digit')
    refused(withField('timestamp', undefined), 'GENESIS_ERROR_BAD_FIELD', 'timestamp', INTEGER(0, Number.MAX_SAFE_INTEGER))
    refused(withField('timestamp', '0'), 'GENESIS_ERROR_BAD_FIELD', 'timestamp', INTEGER(0, Number.MAX_SAFE_INTEGER))
    refused(withField('params', undefined), 'GENESIS_ERROR_BAD_FIELD', 'params', 'expected an object')
    refused(withField('params', [1, 2, 3]), 'GENESIS_ERROR_BAD_FIELD', 'params', 'expected an object')
    refused(withField('consensus', undefined), 'GENESIS_ERROR_BAD_FIELD', 'consensus', 'expected an object')
    refused(withField('consensus.type', 'pos'), 'GENESIS_ERROR_BAD_FIELD', 'consensus.type', 'expected "pow" or "poa"')
    refused(withField('participants', {}), 'GENESIS_ERROR_BAD_FIELD', 'participants', 'expected an array of at most 10000')
    refused(withField('participants', [7]), 'GENESIS_ERROR_BAD_FIELD', 'participants[0]', 'expected an object')
    assert.deepEqual(parseGenesis(withField('participants', undefined)).participants, [])
  })

  it('refuses network names outside 1 to 32 of a-z, 0-9 and -', () => {
    const detail = 'expected 1 to 32 of a-z, 0-9 and -, starting with a letter or digit'
    for (const name of ['', 'Dev', '-dev', 'dev net', 'dév', 'a'.repeat(33), 7]) refused(withField('network', name), 'GENESIS_ERROR_BAD_FIELD', 'network', detail)
    for (const name of ['a', '0', 'a-', 'x'.repeat(32)]) assert.equal(parseGenesis(withField('network', name)).network, name)
  })

  it('refuses numbers out of range, and accepts each bound', () => {
    const ranges: [string, number, number][] = [
      ['timestamp', 0, Number.MAX_SAFE_INTEGER],
      ['params.maxBlockBytes', 96 * 1024 + 512 + 64, MAX_BLOCK_BYTES_CEILING],
      ['params.blockGasLimit', 100_000, MAX_GAS],
      ['params.targetBlockTimeMs', 100, 3_600_000],
    ]
    for (const [field, min, max] of ranges) {
      parseGenesis(withField(field, min))
      parseGenesis(withField(field, max))
      for (const bad of [min - 1, max + 1, min + 0.5]) refused(withField(field, bad), 'GENESIS_ERROR_BAD_FIELD', field, INTEGER(min, max))
    }
  })

  it('reads difficulties as numbers or decimal strings below 2^64, and refuses anything else', () => {
    const field = 'consensus.initialDifficulty'
    for (const [value, expected] of [[1, 1n], ['1', 1n], ['18446744073709551615', (1n << 64n) - 1n], [2 ** 53 - 1, 2n ** 53n - 1n]] as const) {
      const text = JSON.stringify({ ...VALID, consensus: { type: 'pow', initialDifficulty: value, minimumDifficulty: 1 } })
      assert.deepEqual(parseGenesis(text).consensus, { type: 'pow', initialDifficulty: expected, minimumDifficulty: 1n })
    }
    for (const bad of [0, '0', -1, '-1', 1.5, '01', ' 1', '1e3', '0x10', '18446744073709551616', 2 ** 53, 'abc', null, true]) {
      refused(withField(field, bad), 'GENESIS_ERROR_BAD_FIELD', field, DIFFICULTY)
    }
    refused(withField('consensus.minimumDifficulty', '0'), 'GENESIS_ERROR_BAD_FIELD', 'consensus.minimumDifficulty', DIFFICULTY)
  })

  it('refuses a minimum difficulty above the initial one, and accepts them equal', () => {
    refused(withField('consensus.minimumDifficulty', '4097'), 'GENESIS_ERROR_BAD_FIELD', 'consensus.minimumDifficulty', 'must not exceed initialDifficulty')
    assert.deepEqual(parseGenesis(withField('consensus.minimumDifficulty', '4096')).consensus, { type: 'pow', initialDifficulty: 4096n, minimumDifficulty: 4096n })
  })

  it('refuses participant keys that are not 32 bytes of hex', () => {
    for (const key of ['aa'.repeat(31), 'aa'.repeat(33), 'zz'.repeat(32), 'a'.repeat(63), 42, null]) {
      refused(withField('participants', [{ publicKey: key }]), 'GENESIS_ERROR_BAD_FIELD', 'participants[0].publicKey', 'expected 32 bytes of hex')
    }
  })

  it('refuses a participant listed twice, however its key is written', () => {
    for (const again of ['aa'.repeat(32), 'AA'.repeat(32), `0x${'aa'.repeat(32)}`, `0x${'Aa'.repeat(32)}`]) {
      refused(withField('participants', [{ publicKey: 'aa'.repeat(32) }, { publicKey: again }]), 'GENESIS_ERROR_BAD_FIELD', 'participants[1].publicKey', 'listed twice')
    }
  })

  it('refuses participant names that a participant transaction would refuse', () => {
    for (const name of ['', ' ada', 'ada ', 'a\u0000b', '\u202eevil', 'é'.repeat(33), 5]) {
      refused(withField('participants', [{ publicKey: 'aa'.repeat(32), name }]), 'GENESIS_ERROR_BAD_FIELD', 'participants[0].name', NAME)
    }
    assert.equal(parseGenesis(withField('participants', [{ publicKey: 'aa'.repeat(32), name: 'é'.repeat(32) }])).participants[0]!.name, 'é'.repeat(32))
  })
})

const genesisJsonArb: fc.Arbitrary<GenesisJson> = fc
  .record({
    network: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/),
    timestamp: fc.maxSafeNat(),
    maxBlockBytes: fc.integer({ min: 96 * 1024 + 576, max: MAX_BLOCK_BYTES_CEILING }),
    blockGasLimit: fc.integer({ min: 100_000, max: MAX_GAS }),
    targetBlockTimeMs: fc.integer({ min: 100, max: 3_600_000 }),
    difficulties: fc.tuple(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n })),
    participants: fc.uniqueArray(
      fc.record({ publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), name: fc.option(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9 ]{0,20}[A-Za-z0-9])?$/), { nil: null }) }),
      { selector: (p) => p.publicKey, maxLength: 4 },
    ),
  })
  .map((g) => {
    const [a, b] = g.difficulties
    return {
      network: g.network,
      timestamp: g.timestamp,
      params: { maxBlockBytes: g.maxBlockBytes, blockGasLimit: g.blockGasLimit, targetBlockTimeMs: g.targetBlockTimeMs },
      consensus: { type: 'pow', initialDifficulty: String(a > b ? a : b), minimumDifficulty: String(a > b ? b : a) },
      participants: g.participants.map((p) => (p.name === null ? { publicKey: p.publicKey } : { publicKey: p.publicKey, name: p.name })),
    }
  })

describe('genesis round trips and hashing', () => {
  it('genesisToJson ∘ parseGenesis is the identity on canonical files, and the reverse on configurations', () => {
    fc.assert(
      fc.property(genesisJsonArb, (json) => {
        const config = parseGenesis(JSON.stringify(json))
        assert.deepEqual(genesisToJson(config), json)
        assert.deepEqual(parseGenesis(JSON.stringify(genesisToJson(config))), config)
      }),
    )
  })

  it('changes the configuration hash when any field changes', () => {
    const changes: [string, (c: GenesisConfig) => GenesisConfig][] = [
      ['network', (c) => ({ ...c, network: c.network === 'a' ? 'b' : 'a' })],
      ['timestamp', (c) => ({ ...c, timestamp: c.timestamp === 0 ? 1 : c.timestamp - 1 })],
      ['maxBlockBytes', (c) => ({ ...c, params: { ...c.params, maxBlockBytes: c.params.maxBlockBytes - 1 } })],
      ['blockGasLimit', (c) => ({ ...c, params: { ...c.params, blockGasLimit: c.params.blockGasLimit - 1 } })],
      ['targetBlockTimeMs', (c) => ({ ...c, params: { ...c.params, targetBlockTimeMs: c.params.targetBlockTimeMs - 1 } })],
      ['initialDifficulty', (c) => ({ ...c, consensus: { ...pow(c), initialDifficulty: pow(c).initialDifficulty ^ 1n } })],
      ['minimumDifficulty', (c) => ({ ...c, consensus: { ...pow(c), minimumDifficulty: pow(c).minimumDifficulty ^ 1n } })],
      ['add a participant', (c) => ({ ...c, participants: [...c.participants, { publicKey: sha256(), name: null }] })],
      ['drop a participant', (c) => ({ ...c, participants: c.participants.slice(1) })],
      ['reorder participants', (c) => ({ ...c, participants: [...c.participants].reverse() })],
      ['a participant key', (c) => ({ ...c, participants: c.participants.map((p, i) => (i === 0 ? { ...p, publicKey: sha256(p.publicKey) } : p)) })],
      ['a participant name', (c) => ({ ...c, participants: c.participants.map((p, i) => (i === 0 ? { ...p, name: p.name === null ? 'x' : null } : p)) })],
    ]
    let compared = 0
    fc.assert(
      fc.property(genesisJsonArb, (json) => {
        const config = parseGenesis(JSON.stringify(json))
        const hash = toHex(genesisConfigHash(config))
        assert.equal(toHex(genesisConfigHash(parseGenesis(JSON.stringify(json)))), hash) // deterministic
        for (const [what, change] of changes) {
          const changed = change(config)
          if (JSON.stringify(genesisToJson(changed)) === JSON.stringify(genesisToJson(config))) continue // e.g. dropping from none
          assert.notEqual(toHex(genesisConfigHash(changed)), hash, what)
          compared++
        }
      }),
    )
    assert.ok(compared > 100 * 9, `${compared} comparisons`)
  })

  it('builds the genesis header from the configuration', () => {
    const config = parseGenesis(JSON.stringify(VALID))
    const stateRoot = sha256(Uint8Array.of(1))
    assert.deepEqual(genesisHeader(config, stateRoot), {
      version: BLOCK_VERSION,
      height: 0,
      parentHash: genesisConfigHash(config),
      timestamp: config.timestamp,
      txRoot: EMPTY_MERKLE_ROOT,
      stateRoot,
      receiptsRoot: EMPTY_MERKLE_ROOT,
      gasUsed: 0,
      producer: new Uint8Array(20),
      difficulty: 4096n,
      seal: new Uint8Array(8),
    })
  })
})

describe('proof-of-authority genesis', () => {
  const KEYS = ['cc'.repeat(32), 'aa'.repeat(32), 'bb'.repeat(32)]
  const poa = (consensus: object): string => JSON.stringify({ ...VALID, consensus })

  it('reads the signers sorted by their bytes (the order of turns) and defaults the epoch', () => {
    const config = parseGenesis(poa({ type: 'poa', signers: KEYS }))
    assert.deepEqual(config.consensus, { type: 'poa', signers: [...KEYS].sort().map((k) => Buffer.from(k, 'hex')).map((b) => new Uint8Array(b)), epoch: DEFAULT_EPOCH_BLOCKS })
    assert.deepEqual((genesisToJson(config) as { consensus: unknown }).consensus, { type: 'poa', signers: [...KEYS].sort(), epoch: DEFAULT_EPOCH_BLOCKS })
    assert.deepEqual(parseGenesis(JSON.stringify(genesisToJson(config))), config)
    assert.equal(parseGenesis(poa({ type: 'poa', signers: KEYS, epoch: 30 })).consensus.type, 'poa')
  })

  it('refuses bad signer lists, epochs and proof-of-work fields', () => {
    const refusedPoa = (consensus: object, field: string, detail: string, code: GenesisErrorCode = 'GENESIS_ERROR_BAD_FIELD'): void =>
      refused(poa(consensus), code, field, detail)
    refusedPoa({ type: 'poa', signers: [] }, 'consensus.signers', 'expected an array of 1 to 32 public keys')
    refusedPoa({ type: 'poa', signers: Array.from({ length: 33 }, (_, i) => i.toString(16).padStart(64, '0')) }, 'consensus.signers', 'expected an array of 1 to 32 public keys')
    refusedPoa({ type: 'poa', signers: ['aa'.repeat(31)] }, 'consensus.signers[0]', 'expected 32 bytes of hex')
    refusedPoa({ type: 'poa', signers: [KEYS[0], KEYS[0]!.toUpperCase()] }, 'consensus.signers[1]', 'listed twice')
    refusedPoa({ type: 'poa', signers: KEYS, epoch: 1 }, 'consensus.epoch', INTEGER(2, 1_000_000))
    refusedPoa({ type: 'poa', signers: KEYS, initialDifficulty: '1' }, 'consensus.initialDifficulty', 'unknown field', 'GENESIS_ERROR_UNKNOWN_FIELD')
  })

  it('commits to the signers and the epoch in the configuration hash, and weighs its genesis as one block out of turn', () => {
    const base = parseGenesis(poa({ type: 'poa', signers: KEYS, epoch: 30 }))
    const hash = toHex(genesisConfigHash(base))
    assert.notEqual(toHex(genesisConfigHash(parseGenesis(poa({ type: 'poa', signers: KEYS.slice(1), epoch: 30 })))), hash)
    assert.notEqual(toHex(genesisConfigHash(parseGenesis(poa({ type: 'poa', signers: KEYS, epoch: 31 })))), hash)
    assert.equal(toHex(genesisConfigHash(parseGenesis(poa({ type: 'poa', signers: [...KEYS].reverse(), epoch: 30 })))), hash)
    const header = genesisHeader(base, sha256())
    assert.equal(header.difficulty, 1n)
    assert.equal(header.seal.length, 0)
  })
})
