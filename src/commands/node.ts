import { Flags } from '@oclif/core'
import { ChainCommand, CommandError, networkFlags } from '../cli/base-command.js'
import { accountFlag, describeIdentity, identityResult, passwordFileFlag } from '../cli/account-flags.js'
import { runIdentityWizard } from '../cli/identity-wizard.js'
import { unlockForCommand } from '../cli/unlock.js'
import { ExitCode } from '../cli/exit-codes.js'
import { listAccounts, unlockAccount } from '../keystore/accounts.js'
import { LOG_LEVELS, createLogger } from '../log.js'
import { resolveNetwork } from '../node/datadir.js'
import { BUILT_IN_NETWORKS } from '../ledger/networks.js'
import { DEFAULT_P2P_PORT, DEFAULT_RPC_PORT, DEFAULT_MAX_PEERS, Node } from '../node/node.js'
import { MAX_THREADS as MAX_VERIFY_THREADS } from '../crypto/verify-pool/pool.js'

/** Longest a clean shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 15_000

export default class NodeCommand extends ChainCommand<typeof NodeCommand> {
  static override summary = 'Run a full node: join the network, keep the chain, serve the RPC, and mine if asked.'
  static override description = `Unlocks the identity of the data dir (creating it with the \`chain init\` wizard first when there is none and this is a terminal), opens the chain database, joins the peer-to-peer network (mDNS on the LAN, the Kademlia DHT, --bootstrap peers), registers the identity on chain if it is not yet, and answers JSON-RPC on 127.0.0.1 (docs/rpc.md). It writes <datadir>/node.json and <datadir>/rpc.cookie for the other commands. Stop it with Ctrl-C or SIGTERM.

--dev runs the built-in development network: easy proof-of-work with one-second blocks, mining on, ready at once.`
  static override examples = [
    { description: 'A development node that mines', command: '<%= config.bin %> <%= command.id %> --dev' },
    {
      description: 'A second node on the same machine, joined to the first',
      command: '<%= config.bin %> <%= command.id %> --dev --no-mine --datadir ./node2 --listen /ip4/127.0.0.1/tcp/0 --rpc-port 0 --bootstrap /ip4/127.0.0.1/tcp/30370/p2p/12D3Koo…',
    },
  ]
  static override enableJsonFlag = false
  static override flags = {
    ...networkFlags,
    dev: Flags.boolean({ summary: 'Run the built-in dev network (mines unless --no-mine).', default: false, exclusive: ['network', 'genesis'] }),
    'password-file': passwordFileFlag,
    account: accountFlag,
    listen: Flags.string({
      summary: `Multiaddr to listen on (repeatable; default /ip4/0.0.0.0/tcp/${DEFAULT_P2P_PORT}).`,
      multiple: true,
      helpValue: 'MULTIADDR',
    }),
    bootstrap: Flags.string({ summary: 'Multiaddr of a peer to join through, with its /p2p/ id (repeatable).', multiple: true, helpValue: 'MULTIADDR' }),
    mdns: Flags.boolean({ summary: 'Find peers on the local network by mDNS.', default: true, allowNo: true }),
    dht: Flags.boolean({ summary: 'Find peers through the Kademlia DHT.', default: true, allowNo: true }),
    mine: Flags.boolean({
      summary: 'Make blocks: mine (proof-of-work) or seal in turn as a signer (proof-of-authority).',
      description: 'Default: on with --dev and on proof-of-authority networks (a node that is not a signer just follows), off otherwise.',
      allowNo: true,
    }),
    'rpc-port': Flags.integer({ summary: `Port of the JSON-RPC server on 127.0.0.1 (0 picks a free one).`, default: DEFAULT_RPC_PORT, min: 0, max: 65_535 }),
    explorer: Flags.boolean({ summary: 'Serve the block explorer page at /explorer/ of the RPC port (docs/explorer.md).', default: true, allowNo: true }),
    metrics: Flags.boolean({ summary: 'Serve Prometheus metrics at /metrics of the RPC port (docs/metrics.md).', default: false }),
    'max-peers': Flags.integer({ summary: 'Most peers to keep connections with.', default: DEFAULT_MAX_PEERS, min: 1, max: 1_000 }),
    'verify-threads': Flags.integer({
      summary: 'Threads that verify signatures (default: one per core).',
      description: 'Signatures of blocks and of transactions from peers and RPC are checked in this many worker threads, in batches.',
      min: 1,
      max: MAX_VERIFY_THREADS,
      helpValue: 'N',
    }),
    'log-level': Flags.option({ summary: 'Least severe log level printed.', options: LOG_LEVELS, default: 'info' })(),
    'log-format': Flags.option({ summary: 'Log lines for people (text) or machines (json).', options: ['text', 'json'] as const, default: 'text' })(),
  }

  async run(): Promise<void> {
    const { flags } = this
    const genesis = flags.dev ? BUILT_IN_NETWORKS.dev! : await resolveNetwork(flags.datadir, flags, { allowDefault: true })
    let account
    if ((await listAccounts(flags.datadir)).length === 0) {
      if (!process.stdin.isTTY) {
        throw new CommandError(`no identity in ${flags.datadir}: create one with \`chain init --datadir ${flags.datadir}\``, ExitCode.Failure)
      }
      // The login of a new user: create the identity, then unlock it with the password just chosen.
      const created = await runIdentityWizard(flags.datadir, { lightKdf: false, mnemonic: true })
      this.logToStderr(['Identity created.', ...describeIdentity(identityResult(created.account))].join('\n'))
      account = await unlockAccount(created.account.path, created.password)
    } else {
      account = await unlockForCommand(flags.datadir, { account: flags.account, passwordFile: flags['password-file'] })
    }
    const log = createLogger({ level: flags['log-level'], format: flags['log-format'], component: 'node' })
    const node = await Node.start({
      datadir: flags.datadir,
      genesis,
      account,
      listen: flags.listen ?? [`/ip4/0.0.0.0/tcp/${DEFAULT_P2P_PORT}`],
      bootstrap: flags.bootstrap ?? [],
      mdns: flags.mdns,
      dht: flags.dht,
      // Sealing costs a signer nothing while it waits its turn: on by default on proof-of-authority.
      mine: flags.mine ?? (flags.dev || genesis.consensus.type === 'poa'),
      rpcPort: flags['rpc-port'],
      maxPeers: flags['max-peers'],
      log,
      statusLine: process.stderr.isTTY,
      metrics: flags.metrics,
      explorer: flags.explorer,
      ...(flags['verify-threads'] === undefined ? {} : { verifyThreads: flags['verify-threads'] }),
    })
    // The first SIGINT or SIGTERM starts a clean shutdown. More of them (a terminal's Ctrl-C
    // reaches every process of the group, and bin/run.js forwards it too) are not allowed to
    // kill the node half way through closing its database; SHUTDOWN_DEADLINE_MS bounds it.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    const ignore = (): void => log.warn('already shutting down')
    process.on('SIGINT', ignore)
    process.on('SIGTERM', ignore)
    log.info('shutting down', { signal })
    const deadline = setTimeout(() => {
      log.error('shutdown took too long; exiting anyway')
      process.exit(ExitCode.Failure)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    await node.stop()
    clearTimeout(deadline)
    log.info('stopped')
  }
}
