import { Flags } from '@oclif/core'
import { ChainCommand, CommandError, networkFlags } from '../cli/base-command.js'
import { ExitCode } from '../cli/exit-codes.js'
import { resolveSignerKey } from '../cli/signer-keys.js'
import { networkIdOf } from '../chain/genesis-block.js'
import { toHex } from '../encoding/bytes.js'
import { DEFAULT_EPOCH_BLOCKS, genesisToJson, withProofOfAuthority } from '../ledger/genesis.js'
import { resolveNetwork } from '../node/datadir.js'

export interface GenesisResult {
  readonly networkId: string
  readonly genesis: object
}

export default class Genesis extends ChainCommand<typeof Genesis> {
  static override summary = 'Print a network’s genesis file and its network id.'
  static override description =
    'The built-in networks (dev, main), a network this data dir has, or a --genesis file. The output is a valid genesis file: copy it, change what you need, and run `chain node --genesis FILE` to start a network of your own (docs/genesis.md). With --consensus poa it prints the same network on proof-of-authority, sealed by the --signer keys (docs/consensus.md).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --network dev',
    '<%= config.bin %> <%= command.id %> --network dev > my-network.json',
    '<%= config.bin %> <%= command.id %> --genesis my-network.json --json',
    {
      description: 'A proof-of-authority network of two signers: a public key, and an account of this data dir',
      command: '<%= config.bin %> <%= command.id %> --network dev --consensus poa --signer 3b6a27bc…c01d --signer ch1qv…',
    },
  ]
  static override flags = {
    ...networkFlags,
    consensus: Flags.option({
      summary: 'Print the network with this consensus instead of its own.',
      options: ['pow', 'poa'] as const,
      helpGroup: 'CONSENSUS',
    })(),
    signer: Flags.string({
      summary: 'A signer of the proof-of-authority network: a public key (64 hex digits) or the id of an account in the data dir.',
      multiple: true,
      helpGroup: 'CONSENSUS',
    }),
    epoch: Flags.integer({
      summary: `Blocks between proof-of-authority checkpoints (default ${DEFAULT_EPOCH_BLOCKS}).`,
      min: 2,
      helpGroup: 'CONSENSUS',
    }),
  }

  async run(): Promise<GenesisResult> {
    const { flags } = this
    let config = await resolveNetwork(flags.datadir, flags, { allowDefault: true })
    if (flags.consensus === 'poa') {
      if (flags.signer === undefined) throw new CommandError('--consensus poa needs at least one --signer KEY', ExitCode.Usage)
      const signers = await Promise.all(flags.signer.map((key) => resolveSignerKey(flags.datadir, key)))
      config = withProofOfAuthority(config, signers, flags.epoch)
    } else if (flags.signer !== undefined || flags.epoch !== undefined) {
      throw new CommandError('--signer and --epoch go with --consensus poa', ExitCode.Usage)
    } else if (flags.consensus === 'pow' && config.consensus.type !== 'pow') {
      throw new CommandError(`network ${config.network} is proof-of-authority: start from a proof-of-work network (such as --network dev) for --consensus pow`, ExitCode.Usage)
    }
    const result = { networkId: toHex(networkIdOf(config)), genesis: genesisToJson(config) }
    if (!this.jsonEnabled()) {
      this.log(JSON.stringify(result.genesis, null, 2))
      this.logToStderr(`network id ${result.networkId}`)
    }
    return result
  }
}
