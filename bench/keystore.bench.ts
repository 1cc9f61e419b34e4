/**
 * The keystore's cost: scrypt in OpenSSL against the JavaScript scrypt of `@noble/hashes`
 * (why the keystore uses `node:crypto`), and unlocking a file against the bare key derivation
 * inside it (the container's own overhead). Guessing a password costs an attacker about one
 * derivation, so these are also the price of each guess on this machine.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scryptAsync as nobleScrypt } from '@noble/hashes/scrypt.js'
import { createAccount, unlockAccount } from '../src/keystore/accounts.js'
import { SCRYPT_LIGHT, SCRYPT_STANDARD } from '../src/keystore/constants.js'
import { deriveKey } from '../src/keystore/kdf.js'
import { opsPerSecond, type Benchmark } from './harness.js'

const PASSWORD = 'correct horse battery staple'
const SALT = new Uint8Array(32).fill(1)
const PASSWORD_BYTES = new TextEncoder().encode(PASSWORD)

export const benchmark: Benchmark = {
  name: 'keystore',
  async run() {
    const datadir = await mkdtemp(join(tmpdir(), 'chain-bench-keystore-'))
    try {
      const standard = await createAccount(datadir, PASSWORD)
      const light = await createAccount(join(datadir, 'light'), PASSWORD, { lightKdf: true })
      const derive = (cost: { n: number; r: number; p: number }) => () =>
        deriveKey(PASSWORD_BYTES, { kdf: 'scrypt', ...cost, salt: SALT })
      const opensslStandard = await opsPerSecond(derive(SCRYPT_STANDARD), 3_000)
      const nobleStandard = await opsPerSecond(
        () => nobleScrypt(PASSWORD_BYTES, SALT, { N: SCRYPT_STANDARD.n, r: SCRYPT_STANDARD.r, p: SCRYPT_STANDARD.p, dkLen: 32 }),
        3_000,
      )
      const unlockStandard = await opsPerSecond(() => unlockAccount(standard.path, PASSWORD), 3_000)
      const opensslLight = await opsPerSecond(derive(SCRYPT_LIGHT))
      const unlockLight = await opsPerSecond(() => unlockAccount(light.path, PASSWORD))
      return [
        {
          name: 'scrypt N=2^18 r=8 p=1 in OpenSSL (node:crypto)',
          value: opensslStandard,
          unit: 'derivations/s',
          baseline: { name: 'the same in @noble/hashes (JavaScript)', value: nobleStandard },
        },
        {
          name: 'unlock a standard keystore (scrypt, MAC, AES, key checks)',
          value: unlockStandard,
          unit: 'unlocks/s',
          baseline: { name: 'its scrypt alone', value: opensslStandard },
        },
        {
          name: 'unlock a --light-kdf keystore (N=2^12 r=8 p=6)',
          value: unlockLight,
          unit: 'unlocks/s',
          baseline: { name: 'its scrypt alone', value: opensslLight },
          note: `${(unlockLight / unlockStandard).toFixed(1)}x the standard unlock rate: the light file is that much cheaper to guess`,
        },
      ]
    } finally {
      await rm(datadir, { recursive: true, force: true })
    }
  },
}
