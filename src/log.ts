/**
 * Structured logging: a logger per component, levels, and two formats, `text` for people and
 * `json` (one object per line) for machines. Logs go to stderr, so stdout stays for data.
 */

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
export type LogFormat = 'text' | 'json'
export type LogFields = Readonly<Record<string, unknown>>

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug']

export interface Logger {
  error(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  /** A logger for a sub-component (`node:mining`), with the same level and output. */
  child(component: string): Logger
}

export interface LoggerInit {
  readonly level: LogLevel
  readonly format: LogFormat
  readonly component: string
  /** Where lines go; stderr by default. */
  readonly write?: (line: string) => void
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'bigint') return value.toString()
  return JSON.stringify(value) ?? String(value)
}

function jsonSafe(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'bigint' ? value.toString() : value instanceof Error ? value.message : value
  }
  return out
}

export function createLogger(init: LoggerInit): Logger {
  const write = init.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const threshold = LOG_LEVELS.indexOf(init.level)
  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) > threshold) return
    const time = new Date().toISOString()
    if (init.format === 'json') {
      write(JSON.stringify({ time, level, component: init.component, msg: message, ...jsonSafe(fields) }))
    } else {
      const rest = Object.entries(fields).map(([key, value]) => ` ${key}=${textValue(value)}`).join('')
      write(`${time} ${level.toUpperCase().padEnd(5)} [${init.component}] ${message}${rest}`)
    }
  }
  return {
    error: (message, fields) => log('error', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    info: (message, fields) => log('info', message, fields),
    debug: (message, fields) => log('debug', message, fields),
    child: (component) => createLogger({ ...init, write, component: `${init.component}:${component}` }),
  }
}

/** A logger that drops everything, for library use without a node. */
export const SILENT_LOGGER: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => SILENT_LOGGER,
}
