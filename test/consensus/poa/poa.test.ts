/**
 * Proof-of-authority: EIP-225's voting scenarios (the cases of go-ethereum's
 * consensus/clique/snapshot_test.go, rewritten as tables of this project's own), each refusal
 * of header validation with its code, EIP-3436's fork choice under every arrival order, the
 * out-of-turn stagger, equivocation detection and the seal itself.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../../src/encoding/bytes.js'
import type { ConsensusErrorCode, HeadCandidate } from '../../../src/consensus/consensus.js'
import { MAX_FUTURE_DRIFT_MS, POA_OUT_OF_TURN_STAGGER_MS } from '../../../src/consensus/constants.js'
import { encodeVote } from '../../../src/consensus/poa/extra.js'
import { ProofOfAuthority, sealMessage, signHeader } from '../../../src/consensus/poa/poa.js'
import { verify } from '../../../src/crypto/ed25519.js'
import { blockHash, decodeHeader, encodeHeader, type BlockHeader } from '../../../src/ledger/block.js'
import { namesOf, nameOf, PERIOD_MS, poaGenesis, SIGNERS, sortedKeys, TestChain, turnOrder } from './helpers.js'

interface VotingCase {
  readonly name: string
  readonly signers: string
  readonly epoch?: number
  readonly blocks: readonly string[]
  readonly result?: string
  readonly error?: ConsensusErrorCode
}

/** EIP-225's scenarios. Letters are signers; `A+C`: A seals a block voting to add C. */
const VOTING: readonly VotingCase[] = [
  { name: 'single signer, no votes', signers: 'A', blocks: ['A'], result: 'A' },
  { name: 'single signer adds two: the first passes alone, the second then needs both', signers: 'A', blocks: ['A+B', 'B', 'A+C'], result: 'AB' },
  { name: 'two signers add three: the third lacks a majority of four', signers: 'AB', blocks: ['A+C', 'B+C', 'A+D', 'B+D', 'C', 'A+E', 'B+E'], result: 'ABCD' },
  // geth lets the last signer remove itself and is left with none; here the vote does not count.
  { name: 'the last signer voting itself out is not counted', signers: 'A', blocks: ['A-A', 'A'], result: 'A' },
  { name: 'two signers: one vote cannot remove the other', signers: 'AB', blocks: ['A-B'], result: 'AB' },
  { name: 'two signers: both agree to remove one', signers: 'AB', blocks: ['A-B', 'B-B'], result: 'A' },
  { name: 'three signers: two remove the third', signers: 'ABC', blocks: ['A-C', 'B-C'], result: 'AB' },
  { name: 'four signers: two are not enough to remove one', signers: 'ABCD', blocks: ['A-C', 'B-C'], result: 'ABCD' },
  { name: 'four signers: three remove the fourth', signers: 'ABCD', blocks: ['A-D', 'B-D', 'C-D'], result: 'ABC' },
  { name: 'an addition counts once per signer per target', signers: 'AB', blocks: ['A+C', 'B', 'A+C', 'B', 'A+C'], result: 'AB' },
  { name: 'several additions may be pending at once', signers: 'AB', blocks: ['A+C', 'B', 'A+D', 'B', 'A', 'B+D', 'A', 'B+C'], result: 'ABCD' },
  { name: 'a removal counts once per signer per target', signers: 'AB', blocks: ['A-B', 'B', 'A-B', 'B', 'A-B'], result: 'AB' },
  { name: 'several removals may be pending at once', signers: 'ABCD', blocks: ['A-C', 'B', 'C', 'A-D', 'B', 'C', 'A', 'B-D', 'C-D', 'A', 'B-C'], result: 'AB' },
  { name: 'a removed signer’s removal votes are dropped', signers: 'ABC', blocks: ['C-B', 'A-C', 'B-C', 'A-B'], result: 'AB' },
  { name: 'a removed signer’s addition votes are dropped', signers: 'ABC', blocks: ['C+D', 'A-C', 'B-C', 'A+D'], result: 'AB' },
  { name: 'no cascade: a change that gains a majority when the set shrinks waits for its next vote', signers: 'ABCD', blocks: ['A-C', 'B', 'C', 'A-D', 'B-C', 'C', 'A', 'B-D', 'C-D'], result: 'ABC' },
  { name: 'such a change passes on its next vote', signers: 'ABCD', blocks: ['A-C', 'B', 'C', 'A-D', 'B-C', 'C', 'A', 'B-D', 'C-D', 'A', 'C-C'], result: 'AB' },
  { name: 'such a change can lose its majority on its next vote', signers: 'ABCD', blocks: ['A-C', 'B', 'C', 'A-D', 'B-C', 'C', 'A', 'B-D', 'C-D', 'A', 'B+C'], result: 'ABC' },
  {
    name: 'pending votes do not survive a change of the target’s status',
    signers: 'ABCDE',
    blocks: ['A+F', 'B+F', 'C+F', 'D-F', 'E-F', 'B-F', 'C-F', 'D+F', 'E+F', 'B-A', 'C-A', 'D-A', 'B+F'],
    result: 'BCDEF',
  },
  { name: 'a checkpoint clears pending votes', signers: 'AB', epoch: 3, blocks: ['A+C', 'B', 'A', 'B+C'], result: 'AB' },
  { name: 'checkpoints in a row keep the set', signers: 'ABC', epoch: 3, blocks: ['A', 'B', 'C', 'A', 'B', 'C', 'A'], result: 'ABC' },
  { name: 'an unknown signer cannot seal', signers: 'A', blocks: ['B'], error: 'CONSENSUS_ERROR_UNKNOWN_SIGNER' },
  { name: 'a signer cannot seal twice within floor(N/2)+1 blocks', signers: 'AB', blocks: ['A', 'A'], error: 'CONSENSUS_ERROR_RECENTLY_SIGNED' },
  // Rinkeby split on this (go-ethereum #17593): a checkpoint must not forget who signed recently.
  { name: 'a checkpoint does not forget recent signers', signers: 'ABC', epoch: 3, blocks: ['A', 'B', 'A', 'A'], error: 'CONSENSUS_ERROR_RECENTLY_SIGNED' },
  { name: 'a removed signer cannot seal', signers: 'ABC', blocks: ['A-C', 'B-C', 'C'], error: 'CONSENSUS_ERROR_UNKNOWN_SIGNER' },
]

describe('proof-of-authority voting (EIP-225)', () => {
  for (const c of VOTING) {
    it(c.name, () => {
      const chain = new TestChain(poaGenesis(c.signers, c.epoch))
      if (c.error !== undefined) {
        assert.throws(() => chain.extend(c.blocks), { name: 'ConsensusError', code: c.error })
        return
      }
      const head = chain.extend(c.blocks)
      // A fresh consensus (no cached snapshot) derives the same set from the headers alone.
      const fresh = new ProofOfAuthority(chain.config.consensus as never, PERIOD_MS)
      for (const consensus of [chain.consensus, fresh]) assert.equal(namesOf(consensus.snapshotAfter(head.hash, head.header, chain.headers)), c.result)
    })
  }

  it('lists pending votes with their voters, and a node proposes only votes that count', () => {
    const chain = new TestChain(poaGenesis('ABC'))
    const head = chain.extend(['A+D', 'B-C'])
    const { signers, votes } = chain.consensus.signersAt({ ...head, totalWork: 0n }, chain.headers)
    assert.deepEqual(signers, sortedKeys('ABC'))
    assert.deepEqual(votes.map((v) => `${nameOf(v.voter)}${v.add ? '+' : '-'}${nameOf(v.target)}`), ['A+D', 'B-C'])
    const node = new ProofOfAuthority(chain.config.consensus as never, PERIOD_MS, { signerKey: SIGNERS.C!.secretKey })
    node.propose(SIGNERS.A!.publicKey, true) // A is a signer already: would change nothing
    assert.equal(node.prepare(head.header, head.hash, 0, chain.headers).extra, undefined)
    node.propose(SIGNERS.D!.publicKey, true)
    assert.equal(toHex(node.prepare(head.header, head.hash, 0, chain.headers).extra!), toHex(encodeVote({ target: SIGNERS.D!.publicKey, add: true })))
  })
})

describe('proof-of-authority header validation', () => {
  const chain = new TestChain(poaGenesis('ABC', 4))
  const K = turnOrder('ABC')
  const tip = chain.extend([K[1]!, K[2]!]) // height 2, each in turn; block 3 is K0's, K2 sealed too recently
  const recent = K[2]!
  const outOfTurnName = K[1]!
  const refuse = (header: BlockHeader, code: ConsensusErrorCode, nowMs = header.timestamp): void => {
    assert.throws(() => chain.consensus.validateHeader(header, tip.header, nowMs, chain.headers), { name: 'ConsensusError', code })
  }
  const inTurnName = K[0]!

  it('accepts the in-turn signer at weight 2 and another at weight 1', () => {
    const inTurn = chain.make(tip.header, { signer: inTurnName })
    assert.equal(inTurn.difficulty, 2n)
    chain.consensus.validateHeader(inTurn, tip.header, inTurn.timestamp, chain.headers)
    const outOfTurn = chain.make(tip.header, { signer: outOfTurnName })
    assert.equal(outOfTurn.difficulty, 1n)
    chain.consensus.validateHeader(outOfTurn, tip.header, outOfTurn.timestamp, chain.headers)
  })

  it('refuses an unknown signer', () => refuse(chain.make(tip.header, { signer: 'D' }), 'CONSENSUS_ERROR_UNKNOWN_SIGNER'))
  it('refuses a signer who sealed within the last floor(N/2) blocks', () => refuse(chain.make(tip.header, { signer: recent }), 'CONSENSUS_ERROR_RECENTLY_SIGNED'))
  it('refuses the wrong weight for the turn', () => {
    const inTurn = chain.make(tip.header, { signer: inTurnName })
    refuse(chain.make(tip.header, { signer: inTurnName }, { difficulty: 1n }), 'CONSENSUS_ERROR_BAD_DIFFICULTY')
    refuse(chain.make(tip.header, { signer: outOfTurnName }, { difficulty: 2n }), 'CONSENSUS_ERROR_BAD_DIFFICULTY')
    refuse({ ...inTurn, difficulty: 3n }, 'CONSENSUS_ERROR_BAD_DIFFICULTY')
  })
  it('refuses a timestamp less than a period after the parent, and one too far ahead of the clock', () => {
    refuse(chain.make(tip.header, { signer: inTurnName }, { timestamp: tip.header.timestamp + PERIOD_MS - 1 }), 'CONSENSUS_ERROR_TIMESTAMP_NOT_AFTER_PARENT')
    const header = chain.make(tip.header, { signer: inTurnName })
    refuse(header, 'CONSENSUS_ERROR_TIMESTAMP_IN_FUTURE', header.timestamp - MAX_FUTURE_DRIFT_MS - 1)
    chain.consensus.validateHeader(header, tip.header, header.timestamp - MAX_FUTURE_DRIFT_MS, chain.headers)
  })
  it('refuses a bad signature: another signer’s, or of another header', () => {
    const header = chain.make(tip.header, { signer: inTurnName })
    refuse(signHeader(header, SIGNERS[outOfTurnName]!.secretKey), 'CONSENSUS_ERROR_BAD_SIGNATURE')
    refuse({ ...header, gasUsed: 1 }, 'CONSENSUS_ERROR_BAD_SIGNATURE')
    refuse({ ...header, seal: header.seal.slice(0, 63) }, 'CONSENSUS_ERROR_BAD_SEAL')
  })
  it('refuses a checkpoint whose signer list disagrees, and a vote on a checkpoint', () => {
    const three = chain.extend([inTurnName], tip.header) // height 3; 4 is a checkpoint
    const next = K[1]!
    const good = chain.make(three.header, { signer: next })
    chain.consensus.validateHeader(good, three.header, good.timestamp, chain.headers)
    const wrongList = chain.make(three.header, { signer: next }, { extra: Buffer.concat(sortedKeys('ABD')) })
    assert.throws(() => chain.consensus.validateHeader(wrongList, three.header, good.timestamp, chain.headers), { code: 'CONSENSUS_ERROR_CHECKPOINT_MISMATCH' })
    const withVote = chain.make(three.header, { signer: next }, { extra: encodeVote({ target: SIGNERS.D!.publicKey, add: true }) })
    assert.throws(() => chain.consensus.validateHeader(withVote, three.header, good.timestamp, chain.headers), { code: 'CONSENSUS_ERROR_BAD_EXTRA' })
  })
  it('refuses extra that is neither nothing nor a vote on an ordinary block', () => {
    for (const extra of [new Uint8Array(32), new Uint8Array(33).fill(2), new Uint8Array(34)]) {
      refuse(chain.make(tip.header, { signer: inTurnName }, { extra }), 'CONSENSUS_ERROR_BAD_EXTRA')
    }
  })
  it('encodes a vote in the header and reads it back; the seal is a signature of the rest', () => {
    const header = chain.make(tip.header, { signer: inTurnName, vote: { target: 'D', add: true } })
    assert.deepEqual(decodeHeader(encodeHeader(header)), header)
    assert.ok(verify(header.seal, sealMessage(header), SIGNERS[inTurnName]!.publicKey))
  })
})

/** Every order of `items` in which each block comes after its parent. */
function arrivalOrders<T extends { header: BlockHeader; hash: Uint8Array }>(items: readonly T[]): T[][] {
  if (items.length === 0) return [[]]
  const known = new Set(items.map((i) => toHex(i.hash)))
  const orders: T[][] = []
  items.forEach((item, index) => {
    if (known.has(toHex(item.header.parentHash))) return // its parent must come first
    // Once `item` has arrived its children may: recurse with it removed from the pending set.
    for (const order of arrivalOrders(items.filter((_, i) => i !== index))) orders.push([item, ...order])
  })
  return orders
}

describe('proof-of-authority fork choice (EIP-3436)', () => {
  /** Builds forks from a common tip; each fork is a list of steps. */
  function scenario(signers: string, common: readonly string[], forks: readonly (readonly string[])[]) {
    const chain = new TestChain(poaGenesis(signers))
    const base = chain.extend(common)
    const blocks: HeadCandidate[] = []
    const weight = new Map<string, bigint>([[toHex(base.hash), 0n]])
    for (const fork of forks) {
      let parent = base.header
      for (const step of fork) {
        const header = chain.make(parent, { signer: step })
        const hash = chain.accept(header, parent)
        const totalWork = weight.get(toHex(blockHash(parent)))! + header.difficulty
        weight.set(toHex(hash), totalWork)
        blocks.push({ hash, header, totalWork })
        parent = header
      }
    }
    const base0: HeadCandidate = { ...base, totalWork: 0n }
    /** The head a node ends with when blocks arrive in `order`: it moves only to a preferred block. */
    const headAfter = (order: readonly HeadCandidate[]): string => {
      let head = base0
      for (const block of order) if (chain.consensus.compareHeads(block, head, chain.headers) > 0) head = block
      return toHex(head.hash)
    }
    return { chain, blocks, headAfter }
  }

  function assertOneHead(s: ReturnType<typeof scenario>): string {
    const heads = new Set(arrivalOrders(s.blocks).map((order) => s.headAfter(order)))
    assert.equal(heads.size, 1, `${heads.size} different heads over the arrival orders`)
    return [...heads][0]!
  }

  const inTurnAt = (signers: string, height: number): string => nameOf(sortedKeys(signers)[height % signers.length]!)

  it('prefers the most total difficulty: the in-turn block over an out-of-turn one', () => {
    const next = inTurnAt('ABCD', 1)
    const other = [...'ABCD'].find((n) => n !== next)!
    const s = scenario('ABCD', [], [[other], [next]])
    assert.equal(assertOneHead(s), toHex(s.blocks[1]!.hash))
  })

  it('at equal weight prefers the lower height', () => {
    // Fork 1: one in-turn block (weight 2). Fork 2: two out-of-turn blocks (weight 2).
    const first = inTurnAt('ABCD', 1)
    const outs = [...'ABCD'].filter((n) => n !== first && n !== inTurnAt('ABCD', 2))
    const s = scenario('ABCD', [], [[first], [outs[0]!, outs[1]!]])
    assert.equal(s.blocks[0]!.totalWork, s.blocks[2]!.totalWork)
    assert.equal(assertOneHead(s), toHex(s.blocks[0]!.hash))
  })

  it('at equal weight and height prefers the signer in turn most recently, whatever the arrival order (the Goerli stall)', () => {
    // Four signers K0..K3 in turn order; two forks of two out-of-turn blocks each tie on weight
    // and height (go-ethereum #24705's shape). Turn distance (height - index) mod 4: fork X ends
    // with K3 at height 2 (distance 3), fork Y with K0 at height 2 (distance 2): Y wins. On the
    // way, X's first block (K0 at 1, distance 1) beats Y's (K3 at 1, distance 2).
    const K = turnOrder('ABCD')
    const s = scenario('ABCD', [], [[K[0]!, K[3]!], [K[3]!, K[0]!]])
    const [x1, x2, y1, y2] = s.blocks
    assert.equal(x2!.totalWork, y2!.totalWork)
    assert.equal(assertOneHead(s), toHex(y2!.hash))
    assert.ok(s.chain.consensus.compareHeads(x1!, y1!, s.chain.headers) > 0)
  })

  it('breaks a complete tie by the lower hash', () => {
    const chain = new TestChain(poaGenesis('AB'))
    const a = chain.make(chain.genesis, { signer: inTurnAt('AB', 1) })
    const b = { ...a, timestamp: a.timestamp + 1 }
    const sealedB = signHeader(b, SIGNERS[inTurnAt('AB', 1)]!.secretKey)
    const x: HeadCandidate = { hash: blockHash(a), header: a, totalWork: 3n }
    const y: HeadCandidate = { hash: blockHash(sealedB), header: sealedB, totalWork: 3n }
    const lower = Buffer.compare(x.hash, y.hash) < 0 ? x : y
    const higher = lower === x ? y : x
    assert.ok(chain.consensus.compareHeads(lower, higher, chain.headers) > 0)
    assert.ok(chain.consensus.compareHeads(higher, lower, chain.headers) < 0)
    assert.equal(chain.consensus.compareHeads(lower, lower, chain.headers), 0)
  })
})

describe('proof-of-authority sealing', () => {
  it('waits for the header’s time in turn, one stagger per better-placed signer out of turn, and not at all when it may not seal', () => {
    const chain = new TestChain(poaGenesis('ABCD'))
    const tip = chain.extend([inTurn(chain, 1)]) // block 1 by the in-turn signer
    const now = tip.header.timestamp
    const delays = new Map<string, number | undefined>()
    for (const name of 'ABCDE') {
      const node = new ProofOfAuthority(chain.config.consensus as never, PERIOD_MS, { signerKey: (SIGNERS[name] ?? SIGNERS.E)!.secretKey, now: () => now })
      const prepared = node.prepare(tip.header, tip.hash, now, chain.headers)
      const header = { ...chain.make(tip.header, { signer: name === 'E' ? 'A' : name }), ...prepared, producer: SIGNERS[name]!.id }
      delays.set(name, node.sealDelay(header, chain.headers))
    }
    const keys = sortedKeys('ABCD').map(nameOf)
    const recent = inTurn(chain, 1)
    assert.equal(delays.get(recent), undefined, 'sealed block 1: must wait')
    assert.equal(delays.get('E'), undefined, 'not a signer')
    // Block 2: in turn is keys[2] (delay one period); then by turn distance (2 - i) mod 4:
    // keys[1] sealed block 1, so keys[0] (distance 2) is next, then keys[3] (distance 3).
    assert.equal(delays.get(keys[2]!), PERIOD_MS)
    assert.equal(delays.get(keys[0]!), PERIOD_MS + POA_OUT_OF_TURN_STAGGER_MS)
    assert.equal(delays.get(keys[3]!), PERIOD_MS + 2 * POA_OUT_OF_TURN_STAGGER_MS)
  })

  it('seals a prepared header that validates, and gives up when the signal aborts', async () => {
    const chain = new TestChain(poaGenesis('AB'))
    const name = inTurn(chain, 1)
    const node = new ProofOfAuthority(chain.config.consensus as never, PERIOD_MS, { signerKey: SIGNERS[name]!.secretKey, now: () => chain.genesis.timestamp + PERIOD_MS })
    const prepared = node.prepare(chain.genesis, chain.genesisHash, 0, chain.headers)
    const unsealed = { ...chain.make(chain.genesis, { signer: name }), ...prepared }
    const sealed = await node.seal(unsealed, new AbortController().signal, chain.headers)
    assert.ok(sealed)
    chain.consensus.validateHeader(sealed, chain.genesis, sealed.timestamp, chain.headers)
    const later = new ProofOfAuthority(chain.config.consensus as never, PERIOD_MS, { signerKey: SIGNERS[name]!.secretKey, now: () => chain.genesis.timestamp })
    const abort = new AbortController()
    const pending = later.seal(unsealed, abort.signal, chain.headers)
    abort.abort()
    assert.equal(await pending, undefined)
  })

  it('reports equivocation: a second block by one signer at one height', () => {
    const chain = new TestChain(poaGenesis('AB'))
    const name = inTurn(chain, 1)
    const first = chain.make(chain.genesis, { signer: name })
    const second = chain.make(chain.genesis, { signer: name }, { timestamp: first.timestamp + 1 })
    assert.equal(chain.consensus.noteSealed(first, blockHash(first)), undefined)
    assert.equal(chain.consensus.noteSealed(first, blockHash(first)), undefined, 'the same block again is no offence')
    assert.equal(toHex(chain.consensus.noteSealed(second, blockHash(second))!), toHex(blockHash(first)))
    const otherSigner = chain.make(chain.genesis, { signer: name === 'A' ? 'B' : 'A' })
    assert.equal(chain.consensus.noteSealed(otherSigner, blockHash(otherSigner)), undefined)
  })
})

function inTurn(chain: TestChain, height: number): string {
  const keys = (chain.config.consensus as unknown as { signers: Uint8Array[] }).signers
  return nameOf(keys[height % keys.length]!)
}
