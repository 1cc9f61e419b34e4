/**
 * The base of every typed error in `chain`.
 *
 * Each module has one error class extending `ChainError`, whose `code` is a namespaced string
 * (`TX_ERROR_BAD_SIGNATURE`) and whose `data` carries the facts of the case. Code that turns an
 * error into a decision (a gossip verdict, an RPC error, an exit code) switches over the code.
 */
export class ChainError<Code extends string = string, Data extends object = object> extends Error {
  readonly code: Code
  readonly data: Data

  constructor(code: Code, data: Data, message?: string) {
    super(message ?? code)
    this.name = new.target.name
    this.code = code
    this.data = data
  }
}

/** Turns anything thrown into a one-line message: the text users see without `--debug`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name
  return String(error)
}
