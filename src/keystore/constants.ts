/**
 * Constants of the keystore: key-derivation costs, the limits that refuse hostile files before
 * any work is done, file modes and names, and the derivation path of recovery phrases.
 */

// --- Key derivation costs (what `chain` writes) ---

/**
 * scrypt parameters of a new keystore: geth's "standard" N = 2^18, r = 8, p = 1 (256 MiB of
 * memory, about a second here: `npm run bench -- keystore`), so that each guess at a password
 * costs an attacker as much.
 */
export const SCRYPT_STANDARD = { n: 2 ** 18, r: 8, p: 1 } as const

/**
 * `--light-kdf`: geth's light parameters N = 2^12, r = 8, p = 6 (4 MiB, about a tenth of the
 * standard time), for tests and small devices. Cheaper to attack in the same proportion.
 */
export const SCRYPT_LIGHT = { n: 2 ** 12, r: 8, p: 6 } as const

/** Length of the derived key: 16 bytes of AES-128 key, then 16 bytes for the MAC (the v3 rule). */
export const DERIVED_KEY_BYTES = 32

/** A fresh random scrypt salt per file, as geth writes (256 bits: never repeats by chance). */
export const SALT_BYTES = 32

/** The AES-128-CTR initial counter block: one block, random per file. */
export const IV_BYTES = 16

/** keccak256 output, the MAC of a v3 file. */
export const MAC_BYTES = 32

// --- Limits on files we read (checked before computing anything) ---

/**
 * Largest scrypt N accepted: 16 times geth's standard. Above it a file is an attack on our
 * memory or time (N = 2^30 would ask for 128 GiB), not a key someone can still open.
 */
export const MAX_SCRYPT_N = 2 ** 22

/** Largest scrypt r (block size factor): 4 times the usual 8. */
export const MAX_SCRYPT_R = 32

/** Largest scrypt p (parallelism, i.e. sequential repetitions here): geth's light p = 6 fits. */
export const MAX_SCRYPT_P = 16

/**
 * Memory scrypt may use, 128 · N · r bytes: N = 2^22 at r = 8, the largest sensible file. Stops
 * the combination of the largest N and the largest r (16 GiB) that each limit alone allows.
 */
export const MAX_SCRYPT_MEMORY_BYTES = 128 * MAX_SCRYPT_N * 8

/**
 * Largest pbkdf2 iteration count: 64 times the 2^18 of the published vectors, some seconds of
 * work. A larger count would hold the CPU for minutes on a file someone handed us.
 */
export const MAX_PBKDF2_ITERATIONS = 2 ** 24

/** Salts longer than this are not salts (geth writes 32 bytes). */
export const MAX_SALT_BYTES = 1024

/**
 * A keystore file is under 1 KiB; reading stops at this size so a hostile "keystore" (or a
 * mistaken path to a disk image) is refused without being loaded.
 */
export const MAX_KEYSTORE_FILE_BYTES = 64 * 1024

/**
 * Encryption keys one file may hold (every key an account ever had, so that old records stay
 * readable): a rotation a month for sixteen years; each entry is about 230 bytes of JSON,
 * so the file stays well under MAX_KEYSTORE_FILE_BYTES.
 */
export const MAX_ENCRYPTION_KEYS = 200

/** Largest plaintext a v3 file may carry: a 32-byte key; longer ones are not keys of ours. */
export const MAX_CIPHERTEXT_BYTES = 64

/**
 * Foreign keys shorter than 32 bytes are secp256k1 scalars whose leading zero bytes an old tool
 * dropped (go-ethereum's 31- and 30-byte vectors); they are left-padded back. A number of 256
 * random bits has 4 leading zero bytes with probability 2^-32: anything shorter is no key.
 */
export const MIN_PADDED_KEY_BYTES = 28

// --- Files ---

/** The keystore directory under the data dir, like geth's. */
export const KEYSTORE_DIR = 'keystore'

/** Only the owner may list or enter the keystore directory. */
export const KEYSTORE_DIR_MODE = 0o700

/** Only the owner may read a keystore file: it is an offline-guessable copy of the key. */
export const KEYSTORE_FILE_MODE = 0o600

/**
 * geth's file name: `UTC--2024-05-01T10-20-30.123456789Z--<id>` (ISO 8601 with `-` for `:`,
 * which Windows forbids in names; nanoseconds). The time orders accounts: the oldest is the
 * node's identity.
 */
export const ACCOUNT_FILE_PATTERN = /^UTC--(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{9})Z--(ch1[02-9ac-hj-np-z]{38})$/

/** Password files and mnemonic files are a line; anything larger is the wrong file. */
export const MAX_SECRET_FILE_BYTES = 4 * 1024

// --- Recovery phrases ---

/** 256 bits of entropy: 24 BIP39 words, the strength of the Ed25519 key they make. */
export const MNEMONIC_ENTROPY_BITS = 256

/**
 * SLIP-0010 derivation path of the account key, every level hardened as ed25519 requires:
 * BIP44's purpose 44', coin type 1' (SLIP-0044's "testnet, all coins": `chain` is a research
 * network with no registered coin type), account 0', change 0', index 0'.
 */
export const DERIVATION_PATH = "m/44'/1'/0'/0'/0'"
