/**
 * The one function of `sodium-native` (libsodium's bindings, which ship no types) that `chain`
 * uses: Ed25519 verification (src/crypto/ed25519.ts).
 */
declare module 'sodium-native' {
  /** libsodium's `crypto_sign_verify_detached`: whether `signature` by `publicKey` holds over `message`. */
  export function crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}
