/**
 * How strong a new password is, judged by zxcvbn (`@zxcvbn-ts/core` with its common and
 * English dictionaries): it finds dictionary words, names, keyboard walks, repeats, sequences,
 * dates and l33t substitutions, and estimates the guesses an attacker needs, rather than rules
 * of thumb about length and character classes. The same judgement for a prompt, a file and
 * the environment. Loaded on first use only: its dictionaries take most of a second to load,
 * which no command but those making a password should pay at start-up.
 */
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core'

/**
 * zxcvbn's score 3 of 4: at least 10^8 guesses, "safely unguessable: moderate protection from
 * an offline slow-hash scenario". The keystore file is the attacker's to test offline, and
 * scrypt is a slow hash: below 3 a dictionary attack succeeds.
 */
export const MIN_PASSWORD_SCORE = 3

export interface PasswordStrength {
  /** zxcvbn's score, 0 (too guessable) to 4 (very unguessable). */
  readonly score: ZxcvbnResult['score']
  readonly guessesLog10: number
  /** How long an offline attack on a slow hash (10^4 guesses a second) takes, in words. */
  readonly crackTime: string
  readonly warning: string | null
  readonly suggestions: readonly string[]
}

let estimator: Promise<ZxcvbnFactory> | undefined

function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, english] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ])
    return new ZxcvbnFactory({
      translations: english.translations,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...english.dictionary },
    })
  })()
  return estimator
}

export async function judgePassword(password: string): Promise<PasswordStrength> {
  const result = (await loadEstimator()).check(password)
  return {
    score: result.score,
    guessesLog10: result.guessesLog10,
    crackTime: result.crackTimes.offlineSlowHashingXPerSecond.display,
    warning: result.feedback.warning,
    suggestions: result.feedback.suggestions,
  }
}

/** The estimate in one phrase: `score 4 of 4, about 10^20 guesses, centuries to crack offline`. */
export function describeStrength(strength: PasswordStrength): string {
  const guesses = strength.guessesLog10 < 6 ? String(Math.round(10 ** strength.guessesLog10)) : `10^${Math.round(strength.guessesLog10)}`
  return `score ${strength.score} of 4, about ${guesses} guesses, ${strength.crackTime} to crack offline`
}

/** Why a new password is refused (zxcvbn's warning and suggestions), or `undefined` when it is strong enough. */
export async function passwordWeakness(password: string): Promise<string | undefined> {
  const strength = await judgePassword(password)
  if (strength.score >= MIN_PASSWORD_SCORE) return undefined
  const warning = strength.warning === null ? '' : `${strength.warning.replace(/\.$/, '')}; `
  const advice = strength.suggestions.length === 0 ? '' : ` ${strength.suggestions.join(' ')}`
  return `${warning}${describeStrength(strength)}.${advice}`
}
