/**
 * The built-in networks: `dev`, for one machine or a test (easy work, one-second blocks), and
 * `main`, the default public network. Both are ordinary genesis files, read by the same parser
 * as a `--genesis` file would be; `chain genesis --network NAME` prints them.
 */
import { parseGenesis, type GenesisConfig } from './genesis.js'

const KIB = 1024

/** 2026-01-01T00:00:00Z: the same for every node, so every node computes the same network id. */
const GENESIS_TIME_MS = Date.UTC(2026, 0, 1)

const DEV = {
  network: 'dev',
  timestamp: GENESIS_TIME_MS,
  params: { maxBlockBytes: 1024 * KIB, blockGasLimit: 200_000_000, targetBlockTimeMs: 1_000 },
  // A few thousand hashes per block at first: the first blocks come at once, then retargeting
  // settles near one block per second for whatever the machine can hash.
  consensus: { type: 'pow', initialDifficulty: '4096', minimumDifficulty: '1024' },
  participants: [],
}

const MAIN = {
  network: 'main',
  timestamp: GENESIS_TIME_MS,
  params: { maxBlockBytes: 1024 * KIB, blockGasLimit: 200_000_000, targetBlockTimeMs: 10_000 },
  // About ten seconds of one core's hashing at first; retargeting follows the network's power.
  consensus: { type: 'pow', initialDifficulty: '4194304', minimumDifficulty: '65536' },
  participants: [],
}

export const BUILT_IN_NETWORKS: Readonly<Record<string, GenesisConfig>> = {
  dev: parseGenesis(JSON.stringify(DEV)),
  main: parseGenesis(JSON.stringify(MAIN)),
}

export const DEFAULT_NETWORK = 'main'
