/**
 * Hostile contract code through the command line on a real mining node: every attack ends as
 * out-of-gas or reverted, in a block (its sender pays), never silently left out; the node keeps
 * mining and answering; and a read-only call of the same code ends the same way, not as a
 * timeout. The wall clock decides nothing here: gas does.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fromHex, toHex } from '../../src/encoding/bytes.js'
import { encodeTransaction, signTransaction, type Transaction, type TxPayload } from '../../src/ledger/transaction.js'
import { startNode, waitFor } from '../helpers/node.js'

const ATTACKS = {
  endlessLoop: 'for (;;) {}',
  deepRecursion: 'function f(n) { return f(n + 1) + 1 } return f(0)',
  memoryBomb: "const kept = []; for (;;) kept.push('x'.repeat(100_000) + kept.length)",
  hugeStringify: "const a = []; for (let i = 0; ; i++) { a.push({ i, s: 'x'.repeat(100) }); if (i % 10_000 === 0) JSON.stringify(a) }",
  catastrophicRegex: "return /^(a+)+$/.test('a'.repeat(40) + 'b')",
  throwingComparator: "const a = Array.from({ length: 100_000 }, (_, i) => i); a.sort(() => { throw new Error('no order') })",
  inconsistentComparator: 'const a = Array.from({ length: 2_000_000 }, (_, i) => i); a.sort((x, y) => ((x * 7 + y * 13) % 3) - 1)',
  hugeRepeat: "return 'x'.repeat(2 ** 28).length",
  scanLoop: "const s = 'a'.repeat(65_536); for (;;) s.indexOf('b')",
  hostGlobals: 'return [process.env, require("fs")]',
} as const

/** Each attack's gas limit, given explicitly: an estimate would refuse to send what must fail. */
const GAS = 10_000_000

const SOURCE = Object.entries(ATTACKS)
  .map(([name, body]) => `export function ${name}() { ${body} }`)
  .join('\n')

interface TxView {
  readonly block: { readonly height: number } | null
  readonly receipt: { readonly status: string; readonly error: string | null; readonly gasUsed: number } | null
  readonly gasLimit: number
}

test('hostile contract methods end as out-of-gas or reverted, in blocks, and the node goes on', async (t) => {
  const node = await startNode(t, { mine: true })
  await waitFor('registration', async () => ((await node.rpc.call<{ registered: boolean }>('getNonce', { id: node.id })).registered ? true : undefined), 90_000)
  const file = join(node.datadir, 'hostile.js')
  await writeFile(file, SOURCE)
  const deployed = await node.cli(['contract', 'deploy', file, '--wait', '--json'])
  assert.equal(deployed.code, 0, deployed.stderr)
  const contract = (JSON.parse(deployed.stdout) as { contract: string }).contract

  // The first through `--wait`, which reports the receipt of a failed transaction with exit 1.
  const waited = await node.cli(['tx', 'send', '--to', contract, '--method', 'endlessLoop', '--gas', String(GAS), '--wait', '--json'])
  assert.equal(waited.code, 1, waited.stderr)
  assert.deepEqual(
    (({ status, error }) => ({ status, error }))(JSON.parse(waited.stdout) as { status: string; error: string }),
    { status: 'out-of-gas', error: 'out of gas' },
  )

  const hashes = new Map<string, string>()
  for (const method of Object.keys(ATTACKS).slice(1)) {
    const sent = await node.cli(['tx', 'send', '--to', contract, '--method', method, '--gas', String(GAS), '--json'])
    assert.equal(sent.code, 0, `${method}: ${sent.stderr}`)
    hashes.set(method, (JSON.parse(sent.stdout) as { tx: string }).tx)
  }
  for (const [method, hash] of hashes) {
    const included = await waitFor(
      `${method} in a block`,
      async () => {
        const shown = await node.cli(['tx', 'show', hash, '--json'])
        const view = shown.code === 0 ? (JSON.parse(shown.stdout) as TxView) : undefined
        return view?.receipt != null ? view : undefined
      },
      120_000,
    )
    assert.ok(included.block !== null, method)
    const { status, gasUsed } = included.receipt!
    assert.ok(status === 'out-of-gas' || status === 'reverted', `${method}: ${status}`)
    if (status === 'out-of-gas') assert.equal(gasUsed, included.gasLimit, method)
  }

  // Read-only calls of the same code: the same outcome, by gas, not by a clock.
  const query = await node.cli(['contract', 'call', contract, 'scanLoop'])
  assert.equal(query.code, 1)
  assert.match(query.stderr, /^Error: out of gas \(\d+ gas\)$/m)
  // A runtime error names the contract's line, once prefixed.
  const thrown = await node.cli(['contract', 'call', contract, 'hostGlobals'])
  assert.match(thrown.stderr, /^Error: reverted: ReferenceError: 'process' is not defined \(line 10, column \d+\)$/m)

  // A transaction that leaves the pool says why: replaced by one with the same nonce and more gas.
  const status = await node.rpc.call<{ genesis: string }>('status')
  const secretKey = new Uint8Array(randomBytes(32))
  const sign = (payload: TxPayload, nonce: number, gasLimit: number): Transaction =>
    signTransaction({ ...payload, publicKey: new Uint8Array(32), nonce, gasLimit }, secretKey, fromHex(status.genesis)!)
  const send = async (tx: Transaction): Promise<string> => (await node.rpc.call<{ hash: string }>('sendTransaction', { tx: toHex(encodeTransaction(tx)) })).hash
  const call: TxPayload = { kind: 'contract-call', contract: new Uint8Array(20), method: 'get', args: '[]' }
  // Nonce 5 while the next is 1: it waits in the pool, so it cannot be mined meanwhile.
  await send(sign({ kind: 'participant', name: null }, 0, 1_000_000))
  const first = await send(sign(call, 5, 1_000_000))
  const second = await send(sign(call, 5, 2_000_000))
  const shown = await node.cli(['tx', 'show', first])
  assert.equal(shown.code, 0, shown.stderr)
  assert.match(shown.stdout, new RegExp(`dropped: replaced \\(by ${second}\\)`))
  const asJson = JSON.parse((await node.cli(['tx', 'show', first, '--json'])).stdout) as { dropped: { reason: string } | null }
  assert.equal(asJson.dropped?.reason, 'replaced')

  // The node still mines and answers.
  const before = (await node.rpc.call<{ height: number }>('status')).height
  await waitFor('another block', async () => ((await node.rpc.call<{ height: number }>('status')).height > before ? true : undefined), 60_000)
  assert.match(node.log(), /mined|imported|block/)
})
