/**
 * The typed errors of the wallet side of participants: registering, rotating an encryption key,
 * and putting and getting records through a node. Each is raised before anything is signed or
 * written, unless it says otherwise.
 */
import { ChainError } from '../errors.js'

export type ParticipantErrorCode =
  /** `account register` of an account whose registration is on chain or pending. */
  | 'PARTICIPANT_ERROR_ALREADY_REGISTERED'
  /** A rotation, or a record, from an account that is not registered. */
  | 'PARTICIPANT_ERROR_NOT_REGISTERED'
  /** A recipient that is not registered on chain (or not a participant at all). */
  | 'PARTICIPANT_ERROR_UNKNOWN_RECIPIENT'
  /** A recipient, or the sender, that has published no encryption key. */
  | 'PARTICIPANT_ERROR_NO_ENCRYPTION_KEY'
  /** A recipient named more than once. */
  | 'PARTICIPANT_ERROR_DUPLICATE_RECIPIENT'
  /** A key the node reported whose binding is not its owner's signature: the node lies, or its data is corrupt. */
  | 'PARTICIPANT_ERROR_BAD_BINDING'
  /** The sender's published encryption key is not in its keystore (recovered from the phrase: rotate). */
  | 'PARTICIPANT_ERROR_KEY_NOT_IN_KEYSTORE'
  /** The node sent a record that is not the transaction asked for (hash or signature does not match). */
  | 'PARTICIPANT_ERROR_BAD_RECORD'

export class ParticipantError extends ChainError<ParticipantErrorCode, { detail: string }> {
  constructor(code: ParticipantErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}
