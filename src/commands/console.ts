import { join } from 'node:path'
import { start, type REPLServer } from 'node:repl'
import { ChainCommand } from '../cli/base-command.js'
import { requireNode } from '../client/connect.js'
import { unlockIdentity } from '../client/accounts.js'

/** The console's history file in the data dir, as geth keeps `history` beside its data. */
const HISTORY_FILE = 'console_history'

export default class Console extends ChainCommand<typeof Console> {
  static override summary = 'Open a JavaScript console connected to the running node, with the client library ready.'
  static override description = `A Node.js REPL (top-level await works) with:
  client   a ChainClient of the node running on the data dir (docs/client.md): await client.status(), client.getBlock(12), for await (const h of await client.subscribe('newHeads')) …
  unlock   unlock(password[, id]) unlocks an account of the data dir's keystore, for client.send(account, payload, { wait: true })
History is kept in <datadir>/${HISTORY_FILE}. Leave with .exit or Ctrl-D.`
  static override examples = ['<%= config.bin %> <%= command.id %>', 'echo "(await client.status()).height" | <%= config.bin %> <%= command.id %> --datadir ./node1']
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const { datadir } = this.flags
    const client = await requireNode(datadir)
    const status = await client.status()
    const terminal = process.stdin.isTTY
    if (terminal) this.log(`Connected to ${status.network} at height ${status.height} (${client.rpc.url}). Try: await client.status()`)
    const repl: REPLServer = start({ prompt: terminal ? 'chain> ' : '', terminal, useGlobal: false, ignoreUndefined: true })
    repl.context.client = client
    repl.context.unlock = (password: string, id?: string) => unlockIdentity(datadir, password, id)
    await new Promise<void>((resolve, reject) => repl.setupHistory(join(datadir, HISTORY_FILE), (error) => (error === null ? resolve() : reject(error))))
    await new Promise<void>((resolve) => repl.once('exit', () => resolve()))
    await client.close()
  }
}
