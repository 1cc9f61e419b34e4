/**
 * Ed25519 test material: the RFC 8032 known answers, the "Taming the many EdDSAs" edge-case
 * vectors, and builders of signatures at each edge where verifiers are known to disagree
 * (non-canonical encodings, small-order and mixed-order points), for the differential test.
 *
 * The builders use the curve arithmetic of `@noble/curves` directly. Each edge case they make
 * satisfies the cofactored verification equation with permissive decoding (what a ZIP-215
 * verifier checks), so when `chain` refuses one, it is the strict rule refusing a signature
 * that some verifiers accept, not a garbage input that nothing would accept.
 */
import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, fromHex } from '../../src/encoding/bytes.js'

const { Point } = ed25519
type EdPoint = ReturnType<typeof Point.fromBytes>
export const GROUP_ORDER = Point.CURVE().n

export const hex = (text: string): Uint8Array => fromHex(text.replace(/\s+/g, ''))!

/** RFC 8032 §7.1, "Test Vectors for Ed25519": TEST 1, 2, 3, 1024 and SHA(abc). */
export const RFC8032_VECTORS: readonly { name: string; secretKey: string; publicKey: string; message: string; signature: string }[] = [
  {
    name: 'TEST 1',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024',
    secretKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message: `08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8
      79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc
      1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e
      06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7
      aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2
      d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270
      88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07
      07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a
      ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7
      51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8
      ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08
      d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4
      88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e
      6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5
      0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d
      b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0`,
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
  {
    name: 'TEST SHA(abc)',
    secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
]

/**
 * The twelve vectors of K. Chalkias, F. Garillot, V. Nikolaenko, "Taming the many EdDSAs"
 * (SSR 2020), Table 6, as published in github.com/novifinancial/ed25519-speccheck (cases.json).
 * `zip215` is whether a ZIP-215 verifier accepts it (the "Zebra" row of that repository's
 * results.md); `chain` is whether `chain`'s rule (libsodium's: cofactorless, canonical encodings,
 * no small-order A or R) accepts it, as libsodium does in that table; `breaks` names what is odd
 * about each one.
 */
export const SPECCHECK_VECTORS: readonly { message: string; publicKey: string; signature: string; zip215: boolean; chain: boolean; breaks: string }[] = [
  { message: '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', publicKey: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000', zip215: true, chain: false, breaks: 'small-order A' },
  { message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', publicKey: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', signature: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', zip215: true, chain: false, breaks: 'small-order A' },
  { message: 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e', zip215: true, chain: false, breaks: 'mixed-order A, small-order R' },
  { message: '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009', zip215: true, chain: true, breaks: 'mixed-order A' },
  { message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09', zip215: true, chain: false, breaks: 'mixed-order A' },
  { message: 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', publicKey: 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', signature: '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405', zip215: true, chain: false, breaks: 'mixed-order A' },
  { message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', publicKey: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514', zip215: false, chain: false, breaks: 'S >= L' },
  { message: '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', publicKey: '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', signature: '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22', zip215: false, chain: false, breaks: 'S >= L' },
  { message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f', zip215: false, chain: false, breaks: 'non-canonical R' },
  { message: '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', publicKey: 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', signature: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908', zip215: true, chain: false, breaks: 'non-canonical R' },
  { message: 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b', publicKey: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', zip215: true, chain: false, breaks: 'non-canonical A' },
  { message: '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f', publicKey: 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', signature: 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', zip215: true, chain: false, breaks: 'non-canonical A' },
]

/** The eight points of small order, canonically encoded (the torsion subgroup of the curve). */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
]

/**
 * Non-canonical encodings of small-order points: y >= p (y = p + 1 is the identity, y = p the
 * points of order 4), and x = 0 with the sign bit set (identity, order 2). Verifiers that
 * decode these leniently (ZIP-215) accept signatures with them.
 */
export const NON_CANONICAL_SMALL_ORDER_ENCODINGS: readonly string[] = [
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
]

/** All eight small-order points, from a generator of the torsion subgroup. */
export const SMALL_ORDER_POINTS: readonly EdPoint[] = (() => {
  const generator = Point.fromBytes(hex(SMALL_ORDER_ENCODINGS[6]!))
  return Array.from({ length: 8 }, (_, i) => generator.multiplyUnsafe(BigInt(i)))
})()

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`)
}

export function scalarBytes(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse())
}

/** k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032 §5.1.7), over the bytes exactly as given. */
function challenge(r: Uint8Array, publicKey: Uint8Array, message: Uint8Array): bigint {
  return littleEndian(createHash('sha512').update(r).update(publicKey).update(message).digest()) % GROUP_ORDER
}

/**
 * The most permissive verifier: points decoded as ZIP-215 does (any y below 2^255), S taken
 * modulo L, and the cofactored equation [8]([S]B - R - [k]A) = 0. A signature that passes this
 * is valid for some deployed Ed25519 verifier.
 */
export function permissiveVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  let a: EdPoint, r: EdPoint
  try {
    a = Point.fromBytes(publicKey, true)
    r = Point.fromBytes(signature.subarray(0, 32), true)
  } catch {
    return false
  }
  const s = littleEndian(signature.subarray(32)) % GROUP_ORDER
  const k = challenge(signature.subarray(0, 32), publicKey, message)
  return Point.BASE.multiplyUnsafe(s).subtract(r).subtract(a.multiplyUnsafe(k)).clearCofactor().is0()
}

export interface SignatureCase {
  readonly signature: Uint8Array
  readonly message: Uint8Array
  readonly publicKey: Uint8Array
}

/** S = r + k·a for the given R and A bytes: a signature whenever R = [r]B + (torsion) and A = [a]B + (torsion). */
function signRaw(a: bigint, publicKey: Uint8Array, rBytes: Uint8Array, r: bigint, message: Uint8Array): SignatureCase {
  const s = (r + challenge(rBytes, publicKey, message) * a) % GROUP_ORDER
  return { signature: concatBytes(rBytes, scalarBytes(s)), message, publicKey }
}

function privateScalar(secretKey: Uint8Array): { a: bigint; publicKey: Uint8Array } {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secretKey)
  return { a: scalar, publicKey: pointBytes }
}

/** R is a small-order point written non-canonically; A is an honest key. */
export function nonCanonicalR(secretKey: Uint8Array, message: Uint8Array, encoding: string): SignatureCase {
  const { a, publicKey } = privateScalar(secretKey)
  return signRaw(a, publicKey, hex(encoding), 0n, message)
}

/** A is a small-order point (`encoding`, canonical or not); R is [r]B plus torsion, or torsion alone with S = 0. */
export function smallOrderKey(encoding: string, message: Uint8Array, r: bigint, torsion: number): SignatureCase {
  const rPoint = r === 0n ? SMALL_ORDER_POINTS[torsion]! : Point.BASE.multiply(r).add(SMALL_ORDER_POINTS[torsion]!)
  return signRaw(0n, hex(encoding), rPoint.toBytes(), r, message)
}

/** R = [r]B + T with T of small order (not the identity); A is an honest key. */
export function mixedOrderR(secretKey: Uint8Array, message: Uint8Array, r: bigint, torsion: number): SignatureCase {
  const { a, publicKey } = privateScalar(secretKey)
  return signRaw(a, publicKey, Point.BASE.multiply(r).add(SMALL_ORDER_POINTS[torsion]!).toBytes(), r, message)
}

/** A = [a]B + T with T of small order (not the identity); R = [r]B. */
export function mixedOrderKey(secretKey: Uint8Array, message: Uint8Array, r: bigint, torsion: number): SignatureCase {
  const { a } = privateScalar(secretKey)
  const publicKey = Point.BASE.multiply(a).add(SMALL_ORDER_POINTS[torsion]!).toBytes()
  return signRaw(a, publicKey, Point.BASE.multiply(r).toBytes(), r, message)
}

/** The same signature with S + j·L: the same point equation, a second encoding (malleability). */
export function withUnreducedS(signature: Uint8Array, multiple: bigint): Uint8Array | undefined {
  const s = littleEndian(signature.subarray(32)) + multiple * GROUP_ORDER
  return s < 1n << 256n ? concatBytes(signature.subarray(0, 32), scalarBytes(s)) : undefined
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[bit >> 3]! ^= 1 << (bit & 7)
  return out
}
