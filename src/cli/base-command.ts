/**
 * The base of every `chain` command: the shared `--datadir` and `--debug` flags, `--json`, and
 * the one place where errors become a one-line message and an exit code (a stack trace only
 * with `--debug` or `DEBUG`).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import { ChainError, errorMessage } from '../errors.js'
import { RpcErrorCode } from '../rpc/protocol.js'
import { ExitCode } from './exit-codes.js'

/** Where `chain` keeps its data unless `--datadir` or `CHAIN_DATADIR` says otherwise. */
export const DEFAULT_DATADIR = join(homedir(), '.chain')

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof ChainCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** A typed error a command raises itself, with the exit code it means. */
export class CommandError extends ChainError<'COMMAND_ERROR', { exit: ExitCode }> {
  constructor(message: string, exit: ExitCode = ExitCode.Failure) {
    super('COMMAND_ERROR', { exit }, message)
  }
}

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
    const { flags, args } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof ChainCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof Errors.CLIError || error instanceof Errors.ExitError) return super.catch(error)
    // The flags may not have been parsed (the error may be a parse error): look at argv too.
    if (process.env.DEBUG || process.argv.includes('--debug')) this.logToStderr(error.stack ?? String(error))
    const exit = error instanceof ChainError ? exitCodeOf(error as ChainError) : ExitCode.Failure
    if (this.jsonEnabled()) return super.catch(new Errors.CLIError(errorMessage(error), { exit }))
    // One line, unwrapped (oclif would wrap it at the terminal's width), then the exit code.
    this.logToStderr(`Error: ${errorMessage(error)}`)
    return this.exit(exit)
  }
}

/** The exit code of a typed error: its own when it carries one, else by the kind of error. */
function exitCodeOf(error: ChainError): ExitCode {
  const data = error.data as { exit?: unknown; rpcCode?: unknown }
  if (typeof data.exit === 'number') return data.exit
  if (error.code === 'RPC_CLIENT_ERROR_NO_NODE' || error.code === 'RPC_CLIENT_ERROR_UNREACHABLE') return ExitCode.NodeUnavailable
  if (error.code === 'RPC_CLIENT_ERROR_REMOTE' && data.rpcCode === RpcErrorCode.NotFound) return ExitCode.NotFound
  if (error.code === 'RECORD_ERROR_NOT_A_RECIPIENT' || error.code === 'RECORD_ERROR_NO_KEY') return ExitCode.NotReadable
  if (error.code === 'RECORD_ERROR_DECRYPTION_FAILED' || error.code === 'PARTICIPANT_ERROR_BAD_RECORD') return ExitCode.BadData
  if (/_NOT_FOUND$/.test(error.code)) return ExitCode.NotFound
  if (/_(CORRUPT|INCOMPATIBLE)$/.test(error.code)) return ExitCode.BadData
  return ExitCode.Failure
}
