/** Flags shared by the commands that sign and send a transaction. */
import { Flags } from '@oclif/core'
import { ChainError } from '../errors.js'
import { accountFlag, passwordFileFlag } from './account-flags.js'

/** How long `--wait` waits for inclusion unless `--timeout` says otherwise. */
const DEFAULT_WAIT_SECONDS = 120

export const sendFlags = {
  account: accountFlag,
  'password-file': passwordFileFlag,
  gas: Flags.integer({
    summary: 'Gas limit of the transaction (intrinsic gas included).',
    description: 'Without it, the node runs the transaction on its pending state and the limit is the gas it used plus 25%; a transaction that would fail is then not sent.',
    min: 1,
  }),
  args: Flags.string({ summary: 'Arguments as a JSON array, e.g. \'[1, "two"]\'.', default: '[]', helpValue: 'JSON' }),
  wait: Flags.boolean({ summary: 'Wait until a block includes the transaction and print its receipt.', default: false }),
  timeout: Flags.integer({ summary: 'Seconds --wait waits before giving up.', default: DEFAULT_WAIT_SECONDS, min: 1 }),
}

export class ArgsError extends ChainError<'ARGS_ERROR_BAD_JSON', { detail: string }> {
  constructor(detail: string) {
    super('ARGS_ERROR_BAD_JSON', { detail }, detail)
  }
}

/** Checks `--args` is a JSON array and returns its canonical text. */
export function parseArgsFlag(text: string): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ArgsError(`--args is not valid JSON: ${(error as Error).message}`)
  }
  if (!Array.isArray(value)) throw new ArgsError('--args must be a JSON array, e.g. \'[5]\'')
  return JSON.stringify(value)
}
