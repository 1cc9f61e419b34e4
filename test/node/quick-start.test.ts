/**
 * The README's quick start, as a newcomer types it: `npx chain node --dev` from the repository
 * root in a real terminal, on a fresh data dir (CHAIN_DATADIR), through the identity wizard to
 * a node that is ready and mines, then Ctrl-C and a clean stop.
 *
 * `npx` is the machine's own npm (its Node may be older than the project's: bin/chain runs the
 * CLI on the project's Node 24), which may print warnings of its own: nothing here depends on them.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { access, readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { DEFAULT_P2P_PORT, DEFAULT_RPC_PORT } from '../../src/node/node.js'
import { RpcClient, type NodeInfo } from '../../src/rpc/client.js'
import { GOOD_PASSWORD, havePython3Pty, PtySession, readWizardPhrase, REPO_ROOT, runChain, tempDir } from '../helpers/cli.js'

/** The README's command, word for word. */
const QUICK_START = ['npx', 'chain', 'node', '--dev']
/** A step of a first run: a Node start through npx, scrypt at full strength, libp2p. */
const STEP_TIMEOUT_S = 90

/** Why the quick start cannot run here (its ports are fixed, its tools are the machine's), or undefined. */
async function cannotRun(): Promise<string | undefined> {
  if (!havePython3Pty()) return 'python3 with pty is not available'
  if (spawnSync('npx', ['--version'], { timeout: 30_000 }).status !== 0) return 'npx is not on PATH'
  for (const [host, port] of [['0.0.0.0', DEFAULT_P2P_PORT], ['127.0.0.1', DEFAULT_RPC_PORT]] as const) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, host, () => server.close(() => resolve(true)))
    })
    if (!free) return `port ${port} on ${host} is taken (another chain node?); the quick start uses the default ports`
  }
  return undefined
}

/** Dies of SIGINT when its foreground child handles one: what npm's script shell does on dash. */
const scriptShellIsDash = (): boolean => /dash$/.test(realpathSync('/bin/sh'))

test('the README quick start: `npx chain node --dev` creates an identity, mines, and stops cleanly on Ctrl-C', async (t) => {
  const reason = await cannotRun()
  if (reason !== undefined) {
    console.log(`# skipping the quick start: ${reason}`)
    t.skip(reason)
    return
  }
  const datadir = await tempDir('quick-start')
  t.after(datadir.remove)
  const session = new PtySession(QUICK_START.slice(1), { CHAIN_DATADIR: datadir.path }, { command: QUICK_START.slice(0, 1), cwd: REPO_ROOT })
  t.after(() => session.close())

  // The identity wizard, answered as a person would.
  await session.expect('Choose a password: ', STEP_TIMEOUT_S)
  await session.send(`${GOOD_PASSWORD}\r`)
  await session.expect('Repeat it: ')
  await session.send(`${GOOD_PASSWORD}\r`)
  const { id, words } = await readWizardPhrase(session)
  await session.send('\r')
  for (let i = 0; i < 3; i++) {
    const [position] = await session.expect('Word #(\\d+): ')
    await session.send(`${words[Number(position) - 1]}\r`)
  }
  await session.expect('Identity created\\.', STEP_TIMEOUT_S)
  // Then the node unlocks what the wizard wrote with the password just chosen: no third prompt.

  const [readyFields] = await session.expect('\\] ready (.*)', STEP_TIMEOUT_S)
  assert.ok(!session.output.includes('Password of '), 'the node asked again for the password just chosen')
  assert.match(readyFields!, new RegExp(`id=${id} `))
  assert.match(readyFields!, new RegExp(`/tcp/${DEFAULT_P2P_PORT}/p2p/`))
  assert.match(readyFields!, new RegExp(`rpc=http://127\\.0\\.0\\.1:${DEFAULT_RPC_PORT}/`))
  // Mined blocks are logged at debug; the terminal's status line shows the height grow.
  const [height] = await session.expect('height ([1-9]\\d*)  head [0-9a-f]{12}…  peers \\d+  mempool \\d+  mining ', STEP_TIMEOUT_S)
  assert.ok(Number(height) >= 1)

  // While it runs: node.json and the cookie, and an RPC that answers with the chain it mines.
  const info = JSON.parse(await readFile(join(datadir.path, 'node.json'), 'utf8')) as NodeInfo
  assert.equal(info.network, 'dev')
  assert.equal(info.rpcUrl, `http://127.0.0.1:${DEFAULT_RPC_PORT}/`)
  assert.equal((await stat(join(datadir.path, 'rpc.cookie'))).mode & 0o777, 0o600)
  const rpc = (await RpcClient.forNode(join(datadir.path, 'node.json'), join(datadir.path, 'rpc.cookie')))!.client
  const running = await rpc.call<{ network: string; height: number; mining: { enabled: boolean } }>('status')
  assert.equal(running.network, 'dev')
  assert.ok(running.height >= Number(height))
  assert.equal(running.mining.enabled, true)

  await session.send('\u0003')
  const status = await session.wait(STEP_TIMEOUT_S)
  // The node's log from the interrupt on (npm may add lines of its own: they are not the node's).
  const logLines = [...session.output.matchAll(/^\S+Z (INFO|WARN|ERROR|DEBUG) +\[node[^\]]*\] (.*?)\r?$/gm)].map((match) => `${match[1]} ${match[2]}`)
  const shutdown = logLines.slice(logLines.findIndex((line) => line.startsWith('INFO shutting down')))
  assert.equal(shutdown[0], 'INFO shutting down signal=SIGINT')
  // "stopped" comes only after every service stopped in order and the database closed, within
  // the shutdown deadline; nothing failed on the way.
  assert.equal(shutdown.at(-1), 'INFO stopped')
  assert.deepEqual(shutdown.filter((line) => line.startsWith('ERROR')), [])
  assert.throws(() => process.kill(info.pid, 0), { code: 'ESRCH' }, 'the node process is gone')
  await assert.rejects(access(join(datadir.path, 'node.json')), { code: 'ENOENT' })
  await assert.rejects(access(join(datadir.path, 'rpc.cookie')), { code: 'ENOENT' })
  if (scriptShellIsDash()) {
    // npx runs `chain` through `sh -c`; dash, unlike bash, dies of the SIGINT it got while
    // waiting for a child that handled it and exited 0, and npm then re-raises it on itself:
    // whatever chain does, npx ends by SIGINT here (the node's own exit is checked above).
    assert.equal(status, -2, 'npx killed by SIGINT (dash as npm’s script shell)')
  } else {
    assert.equal(status, 0)
  }

  // The database was closed cleanly: a command opens it (no lock left) and finds the blocks.
  const shown = await runChain(['block', 'show', 'latest', '--network', 'dev', '--datadir', datadir.path, '--json'])
  assert.equal(shown.code, 0, shown.stderr)
  assert.ok((JSON.parse(shown.stdout) as { height: number }).height >= running.height)
})
