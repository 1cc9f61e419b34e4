import { ChainCommand, networkFlags } from '../cli/base-command.js'
import { networkIdOf } from '../chain/genesis-block.js'
import { toHex } from '../encoding/bytes.js'
import { genesisToJson } from '../ledger/genesis.js'
import { resolveNetwork } from '../node/datadir.js'

export interface GenesisResult {
  readonly networkId: string
  readonly genesis: object
}

export default class Genesis extends ChainCommand<typeof Genesis> {
  static override summary = 'Print a network’s genesis file and its network id.'
  static override description =
    'The built-in networks (dev, main), a network this data dir has, or a --genesis file. The output is a valid genesis file: copy it, change what you need, and run `chain node --genesis FILE` to start a network of your own (docs/genesis.md).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --network dev',
    '<%= config.bin %> <%= command.id %> --network dev > my-network.json',
    '<%= config.bin %> <%= command.id %> --genesis my-network.json --json',
  ]
  static override flags = { ...networkFlags }

  async run(): Promise<GenesisResult> {
    const config = await resolveNetwork(this.flags.datadir, this.flags, { allowDefault: true })
    const result = { networkId: toHex(await networkIdOf(config)), genesis: genesisToJson(config) }
    if (!this.jsonEnabled()) {
      this.log(JSON.stringify(result.genesis, null, 2))
      this.logToStderr(`network id ${result.networkId}`)
    }
    return result
  }
}
