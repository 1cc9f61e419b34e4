/**
 * The base of every `chain` command: the shared `--datadir` and `--debug` flags, `--json`, and
 * the one place where errors become a one-line message and an exit code (a stack trace only
 * with `--debug` or `DEBUG`).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import { CommandError } from './command-error.js'
import { ExitCode } from './exit-codes.js'
import { checkDatadir } from './datadir-access.js'
import { failureOf } from './failure.js'

export { CommandError }

/** Where `chain` keeps its data unless `--datadir` or `CHAIN_DATADIR` says otherwise. */
export const DEFAULT_DATADIR = join(homedir(), '.chain')

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof ChainCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** `--network` and `--genesis`, for commands that work on one network's data. */
export const networkFlags = {
  network: Flags.string({
    summary: 'Network to use: a built-in one (main, dev) or one this data dir has.',
    description: 'Defaults to the only network in the data dir.',
    env: 'CHAIN_NETWORK',
    helpGroup: 'NETWORK',
  }),
  genesis: Flags.file({
    summary: 'Genesis file of a custom network (docs/genesis.md).',
    exists: true,
    helpGroup: 'NETWORK',
  }),
}

export abstract class ChainCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    debug: Flags.boolean({
      summary: 'Print the stack trace of an error (as does DEBUG=1 in the environment).',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    datadir: Flags.directory({
      summary: 'Data directory (keystore, chain database, node files).',
      env: 'CHAIN_DATADIR',
      default: DEFAULT_DATADIR,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    let parsed
    try {
      parsed = await this.parse({
        flags: this.ctor.flags,
        baseFlags: (super.ctor as typeof ChainCommand).baseFlags,
        enableJsonFlag: this.ctor.enableJsonFlag,
        args: this.ctor.args,
        strict: this.ctor.strict,
      })
    } catch (error) {
      // Whatever oclif's parser refuses (an unknown, missing or invalid flag or argument) is a usage error.
      throw new CommandError(parseErrorMessage(error), ExitCode.Usage)
    }
    this.flags = parsed.flags as BaseFlags<T>
    this.args = parsed.args as BaseArgs<T>
    await checkDatadir(this.flags.datadir)
  }

  /**
   * The one place where a failure becomes output and an exit code (docs/cli.md): with `--json`
   * exactly `{"error":{"code","message"}}` on stdout, otherwise `Error: MESSAGE` on one line.
   */
  protected override catch(error: Error): Promise<unknown> {
    // this.exit() throws an ExitError: it carries a decided exit code already.
    if (error instanceof Errors.ExitError) throw error
    // The flags may not have been parsed (the error may be a parse error): look at argv too.
    if (process.env.DEBUG || process.argv.includes('--debug')) this.logToStderr(error.stack ?? String(error))
    const failure = failureOf(error, (this.flags as BaseFlags<T> | undefined)?.datadir)
    if (this.jsonEnabled()) this.logJson({ error: { code: failure.code, message: failure.message } })
    else this.logToStderr(`Error: ${failure.message}`)
    this.exit(failure.exit)
  }
}

/**
 * oclif's parse errors span lines ("The following error occurred:", the errors indented, "See
 * more help with --help"): one line of the errors themselves, and where to look.
 */
function parseErrorMessage(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((line) => line.trim())
  const errors = lines.filter((line, index) => line !== '' && !line.startsWith('See more help') && !(index === 0 && lines.length > 1 && line.endsWith(':')))
  return `${errors.join('; ')} (see --help)`
}
