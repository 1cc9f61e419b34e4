/**
 * The RPC methods of a proof-of-authority network's signer set (docs/rpc.md): `signers` lists
 * the signers at the head and the votes pending there, `voteSigner` makes this node vote in the
 * headers it seals. On proof-of-work both answer that there are no signers.
 */
import type { Chain } from '../chain/chain.js'
import type { SignerGovernance } from '../consensus/consensus.js'
import { PUBLIC_KEY_BYTES } from '../crypto/ed25519.js'
import { AddressError, formatParticipantId, parseParticipantId, participantIdOf } from '../crypto/identity.js'
import { fromHex, toHex } from '../encoding/bytes.js'
import { RpcError, RpcErrorCode } from '../rpc/protocol.js'
import { readParticipant } from '../state/executor.js'

import type { SignersResult, SignerView, VoteResult } from '../rpc/api.js'

function signerView(publicKey: Uint8Array): SignerView {
  return { publicKey: toHex(publicKey), id: formatParticipantId(participantIdOf(publicKey)) }
}

export function signerMethods(chain: Chain): { readonly signers: () => SignersResult; readonly voteSigner: (raw: unknown) => VoteResult } {
  const governance = (): SignerGovernance => {
    const found = chain.consensus.governance
    if (found === undefined) throw new RpcError(RpcErrorCode.InvalidRequest, `network ${chain.genesis.network} uses ${chain.consensus.type}: it has no signers`)
    return found
  }
  /** A target given as 64 hex digits of public key, or as the id of a registered participant. */
  const targetKey = (text: unknown): Uint8Array => {
    if (typeof text !== 'string') throw new RpcError(RpcErrorCode.InvalidParams, 'param target must be a public key (64 hex digits) or a participant id')
    const key = fromHex(text)
    if (key?.length === PUBLIC_KEY_BYTES) return key
    let id
    try {
      id = parseParticipantId(text)
    } catch (error) {
      if (error instanceof AddressError) throw new RpcError(RpcErrorCode.InvalidParams, `target: expected a public key (64 hex digits) or a participant id: ${error.message}`)
      throw error
    }
    const participant = readParticipant(chain.stateAt(), id)
    // Ed25519 keys cannot be recovered from ids: an id names a key only once registered on chain.
    if (participant === undefined) throw new RpcError(RpcErrorCode.NotFound, `participant ${text} is not registered: give its public key instead`)
    return participant.publicKey
  }
  return {
    signers: (): SignersResult => {
      const g = governance()
      const { signers, votes } = g.signersAt(chain.head, chain.store)
      const own = g.signerKey
      return {
        signers: signers.map(signerView),
        votes: votes.map((v) => ({ voter: signerView(v.voter), target: signerView(v.target), add: v.add })),
        proposals: g.proposals().map((p) => ({ target: signerView(p.target), add: p.add })),
        self: { publicKey: own === undefined ? '' : toHex(own), isSigner: own !== undefined && signers.some((s) => toHex(s) === toHex(own)) },
      }
    },

    voteSigner: (raw) => {
      const params = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
      if (typeof params.add !== 'boolean') throw new RpcError(RpcErrorCode.InvalidParams, 'param add must be true (add a signer) or false (remove one)')
      const g = governance()
      const target = targetKey(params.target)
      g.propose(target, params.add)
      const { signers } = g.signersAt(chain.head, chain.store)
      const isSigner = (key: Uint8Array | undefined): boolean => key !== undefined && signers.some((s) => toHex(s) === toHex(key))
      return { target: signerView(target), add: params.add, changesSomething: params.add !== isSigner(target), voterIsSigner: isSigner(g.signerKey) }
    },
  }
}
