/** Bounded waiting for the integration tests: every wait has a deadline and names what it waited for. */
import { setTimeout as sleep } from 'node:timers/promises'

/** Generous for two shared cores running several test files and node processes at once. */
export const DEFAULT_WAIT_MS = 30_000
const POLL_MS = 25

/**
 * Polls `check` until it gives something other than `undefined` or `false`, and returns that;
 * fails with `what` after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(POLL_MS)
  }
}
