/**
 * The data directory: where each part of `chain` keeps its files, and which network a command
 * is about.
 *
 *   <datadir>/keystore/                 encrypted identities (src/keystore)
 *   <datadir>/chain/<network>/genesis.json   the network's genesis file, copied at creation
 *   <datadir>/chain/<network>/db/       the chain database (LevelDB)
 *   <datadir>/chain/<network>/node-key  the libp2p peer key (the node's peer id)
 *   <datadir>/node.json, <datadir>/rpc.cookie   written by a running node
 */
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ChainError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import { genesisToJson, parseGenesis, type GenesisConfig } from '../ledger/genesis.js'
import { BUILT_IN_NETWORKS, DEFAULT_NETWORK } from '../ledger/networks.js'

export type DatadirErrorCode =
  | 'DATADIR_ERROR_NO_CHAIN' // no chain data for the network (no node has run here)
  | 'DATADIR_ERROR_AMBIGUOUS' // several networks here and none chosen
  | 'DATADIR_ERROR_UNKNOWN_NETWORK' // a network name that is neither built in nor here
  | 'DATADIR_ERROR_GENESIS_MISMATCH' // --genesis differs from the genesis this data dir was made with
  | 'DATADIR_ERROR_BAD_GENESIS_FILE' // a genesis file that cannot be read

export class DatadirError extends ChainError<DatadirErrorCode, { datadir: string }> {
  constructor(code: DatadirErrorCode, datadir: string, message: string) {
    super(code, { datadir }, message)
  }
}

export const networksDir = (datadir: string): string => join(datadir, 'chain')
export const networkDir = (datadir: string, network: string): string => join(networksDir(datadir), network)
export const chainDbDir = (datadir: string, network: string): string => join(networkDir(datadir, network), 'db')
export const genesisFile = (datadir: string, network: string): string => join(networkDir(datadir, network), 'genesis.json')
export const nodeKeyFile = (datadir: string, network: string): string => join(networkDir(datadir, network), 'node-key')
export const nodeInfoFile = (datadir: string): string => join(datadir, 'node.json')
export const rpcCookieFile = (datadir: string): string => join(datadir, 'rpc.cookie')

/** The networks that have chain data in `datadir`. */
export function networksIn(datadir: string): string[] {
  const dir = networksDir(datadir)
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((name) => existsSync(genesisFile(datadir, name))).sort()
}

async function readGenesisFile(path: string, datadir: string): Promise<GenesisConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new DatadirError('DATADIR_ERROR_BAD_GENESIS_FILE', datadir, `cannot read genesis file ${path}: ${(error as Error).message}`)
  }
  return parseGenesis(text)
}

const sameGenesis = (a: GenesisConfig, b: GenesisConfig): boolean => JSON.stringify(genesisToJson(a)) === JSON.stringify(genesisToJson(b))

export interface NetworkChoice {
  /** `--network NAME` */
  readonly network?: string | undefined
  /** `--genesis FILE` */
  readonly genesis?: string | undefined
}

/**
 * Which network a command works on: `--genesis FILE`, else `--network NAME` (built in, or
 * one this data dir has), else the only network this data dir has, else (`allowDefault`, for
 * a node that will create its data) the default network.
 */
export async function resolveNetwork(datadir: string, choice: NetworkChoice, { allowDefault = false } = {}): Promise<GenesisConfig> {
  if (choice.genesis !== undefined) {
    const config = await readGenesisFile(choice.genesis, datadir)
    if (choice.network !== undefined && choice.network !== config.network) {
      throw new DatadirError('DATADIR_ERROR_GENESIS_MISMATCH', datadir, `--network ${choice.network} but the genesis file is for ${config.network}`)
    }
    return config
  }
  const here = networksIn(datadir)
  const name = choice.network ?? (here.length === 1 ? here[0]! : undefined)
  if (name === undefined) {
    if (here.length > 1) {
      throw new DatadirError('DATADIR_ERROR_AMBIGUOUS', datadir, `${datadir} has several networks (${here.join(', ')}): choose one with --network`)
    }
    if (!allowDefault) throw new DatadirError('DATADIR_ERROR_NO_CHAIN', datadir, `no chain data in ${datadir}: run \`chain node\` first`)
    return BUILT_IN_NETWORKS[DEFAULT_NETWORK]!
  }
  if (here.includes(name)) return readGenesisFile(genesisFile(datadir, name), datadir)
  const builtIn = BUILT_IN_NETWORKS[name]
  if (builtIn === undefined) {
    throw new DatadirError('DATADIR_ERROR_UNKNOWN_NETWORK', datadir, `unknown network ${name}: built in are ${Object.keys(BUILT_IN_NETWORKS).join(', ')}; give a genesis file with --genesis`)
  }
  return builtIn
}

/**
 * Records the genesis of a network in the data dir the first time a node runs it, and refuses a
 * different genesis under the same name later.
 */
export async function ensureNetworkDir(datadir: string, config: GenesisConfig): Promise<void> {
  const path = genesisFile(datadir, config.network)
  if (existsSync(path)) {
    if (!sameGenesis(await readGenesisFile(path, datadir), config)) {
      throw new DatadirError('DATADIR_ERROR_GENESIS_MISMATCH', datadir, `${datadir} already holds a different network named ${config.network}`)
    }
    return
  }
  await mkdir(networkDir(datadir, config.network), { recursive: true, mode: 0o700 })
  await writeFileAtomic(path, `${JSON.stringify(genesisToJson(config), null, 2)}\n`)
}
