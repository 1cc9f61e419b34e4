/**
 * The exit-code table of docs/cli.md, held to the real `chain`: each documented failure is run
 * with and without `--json`, and must exit with the same documented code both ways, print
 * `Error: MESSAGE` on one line without `--json`, and exactly `{"error":{"code","message"}}` on
 * stdout with it (nothing of oclif's internals).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { contractAddressOf, formatContractAddress, formatParticipantId } from '../../src/crypto/identity.js'
import { chainDbDir, ensureNetworkDir } from '../../src/node/datadir.js'
import { GOOD_PASSWORD, runChain, secretFile, tempDir } from '../helpers/cli.js'
import { extendChain, openTestChain, testGenesis, testKey } from '../helpers/chain.js'

interface Case {
  readonly name: string
  /** The command line, `--datadir` included; `--json` is added for the second run. */
  readonly args: () => string[]
  readonly env?: Record<string, string>
  readonly exit: ExitCode
  readonly code: string
}

let dir: { path: string; remove: () => Promise<void> }
const cleanups: (() => unknown)[] = []
/** An identity (light kdf) and a short chain of the test network, no node running. */
let datadir: string
let corrupt: string
let threeWords: string
let wrongPassword: string

const stranger = formatParticipantId(testKey('exit-code stranger').id)
const contract = formatContractAddress(contractAddressOf(testKey('exit-code deployer').id, 0))

const CASES: readonly Case[] = [
  // 2: flags and arguments, oclif's parser and our own checks alike
  { name: 'an unknown flag', args: () => ['block', 'show', '--bogus', '--datadir', datadir], exit: ExitCode.Usage, code: 'COMMAND_ERROR_USAGE' },
  { name: 'a required flag missing', args: () => ['tx', 'send', '--method', 'increment', '--datadir', datadir], exit: ExitCode.Usage, code: 'COMMAND_ERROR_USAGE' },
  { name: 'an integer flag that is not one', args: () => ['tx', 'send', '--to', contract, '--method', 'm', '--gas', 'lots', '--datadir', datadir], exit: ExitCode.Usage, code: 'COMMAND_ERROR_USAGE' },
  { name: 'a block that is not a selector', args: () => ['block', 'show', 'abc', '--datadir', datadir], exit: ExitCode.Usage, code: 'QUERY_ERROR_BAD_SELECTOR' },
  { name: 'a short transaction hash', args: () => ['tx', 'show', 'deadbeef', '--datadir', datadir], exit: ExitCode.Usage, code: 'QUERY_ERROR_BAD_HASH' },
  { name: '--args that is not JSON', args: () => ['tx', 'send', '--to', contract, '--method', 'm', '--args', '[5,', '--datadir', datadir], exit: ExitCode.Usage, code: 'ARGS_ERROR_BAD_JSON' },
  { name: '--args that is not an array', args: () => ['tx', 'send', '--to', contract, '--method', 'm', '--args', '5', '--datadir', datadir], exit: ExitCode.Usage, code: 'ARGS_ERROR_BAD_JSON' },
  { name: 'a mistyped contract address', args: () => ['tx', 'send', '--to', `${contract}x`, '--method', 'm', '--datadir', datadir], exit: ExitCode.Usage, code: 'ADDRESS_ERROR_MALFORMED' },
  {
    name: 'a recovery phrase of 3 words',
    args: () => ['account', 'recover', '--mnemonic-file', threeWords, '--light-kdf', '--datadir', join(dir.path, 'recovered')],
    env: { CHAIN_PASSWORD: GOOD_PASSWORD },
    exit: ExitCode.Usage,
    code: 'KEYSTORE_ERROR_BAD_MNEMONIC',
  },
  { name: 'an unknown network', args: () => ['genesis', '--network', 'nosuch'], exit: ExitCode.Usage, code: 'DATADIR_ERROR_UNKNOWN_NETWORK' },
  // 3: what was asked for does not exist
  { name: 'a block past the head', args: () => ['block', 'show', '999999', '--datadir', datadir], exit: ExitCode.NotFound, code: 'COMMAND_ERROR_NOT_FOUND' },
  { name: 'an unknown transaction', args: () => ['tx', 'show', 'ab'.repeat(32), '--datadir', datadir], exit: ExitCode.NotFound, code: 'COMMAND_ERROR_NOT_FOUND' },
  { name: 'an account not in the keystore', args: () => ['account', 'show', stranger, '--datadir', datadir], exit: ExitCode.NotFound, code: 'KEYSTORE_ERROR_NOT_FOUND' },
  // 4: no node
  { name: 'status without a node', args: () => ['status', '--datadir', datadir], exit: ExitCode.NodeUnavailable, code: 'RPC_CLIENT_ERROR_NO_NODE' },
  { name: 'peers without a node', args: () => ['peers', '--datadir', datadir], exit: ExitCode.NodeUnavailable, code: 'RPC_CLIENT_ERROR_NO_NODE' },
  { name: 'tx send without a node', args: () => ['tx', 'send', '--to', contract, '--method', 'm', '--datadir', datadir], exit: ExitCode.NodeUnavailable, code: 'RPC_CLIENT_ERROR_NO_NODE' },
  // 5: a corrupt file, nothing changed
  { name: 'a corrupt keystore', args: () => ['account', 'list', '--datadir', corrupt], exit: ExitCode.BadData, code: 'KEYSTORE_ERROR_CORRUPT' },
  // 1: everything else
  {
    name: 'a wrong password',
    args: () => ['account', 'change-password', '--password-file', wrongPassword, '--datadir', datadir],
    env: { CHAIN_NEW_PASSWORD: GOOD_PASSWORD },
    exit: ExitCode.Failure, code: 'KEYSTORE_ERROR_WRONG_PASSWORD' },
  { name: 'a data dir without chain data', args: () => ['block', 'show', '--datadir', join(dir.path, 'empty')], exit: ExitCode.Failure, code: 'DATADIR_ERROR_NO_CHAIN' },
]

before(async () => {
  dir = await tempDir('exit-codes')
  datadir = join(dir.path, 'datadir')
  const made = await runChain(['init', '--datadir', datadir, '--light-kdf', '--no-mnemonic', '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
  assert.equal(made.code, 0, made.stderr)
  const genesis = testGenesis()
  await ensureNetworkDir(datadir, genesis)
  const chain = await openTestChain({ after: (fn) => void cleanups.push(fn as () => unknown) }, genesis, chainDbDir(datadir, genesis.network))
  await extendChain(chain, 2)
  await chain.close()

  corrupt = join(dir.path, 'corrupt')
  const copied = await runChain(['init', '--datadir', corrupt, '--light-kdf', '--no-mnemonic', '--json'], { env: { CHAIN_PASSWORD: GOOD_PASSWORD } })
  assert.equal(copied.code, 0, copied.stderr)
  const [file] = await readdir(join(corrupt, 'keystore'))
  await writeFile(join(corrupt, 'keystore', file!), '{"version":3,"id":')

  threeWords = await secretFile(dir.path, 'three-words', 'abandon ability able\n')
  wrongPassword = await secretFile(dir.path, 'wrong-password', 'not the password at all\n')
})
after(async () => {
  for (const cleanup of cleanups) await cleanup()
  await dir.remove()
})

describe('exit codes and error shapes of docs/cli.md, with and without --json', () => {
  for (const example of CASES) {
    it(`${example.name}: exit ${example.exit} (${example.code})`, async () => {
      const text = await runChain(example.args(), { env: example.env })
      const json = await runChain([...example.args(), '--json'], { env: example.env })
      assert.equal(text.code, example.exit, `text: ${text.stderr}`)
      assert.equal(json.code, example.exit, `json: ${json.stdout}${json.stderr}`)

      const lines = text.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, `one line: ${text.stderr}`)
      assert.match(lines[0]!, /^Error: \S/)
      assert.equal(text.stdout, '')

      const shape = JSON.parse(json.stdout) as { error: { code: string; message: string } }
      assert.deepEqual(Object.keys(shape), ['error'])
      assert.deepEqual(Object.keys(shape.error).sort(), ['code', 'message'])
      assert.equal(shape.error.code, example.code)
      assert.equal(`Error: ${shape.error.message}`, lines[0])
      assert.equal(json.stderr, '')
    })
  }
})
