/** Exit codes of `chain`, below 256 as POSIX requires; scripts may rely on them (docs/cli.md). */
export enum ExitCode {
  /** Anything else that went wrong, a wrong password included. */
  Failure = 1,
  /** Bad flags or arguments: oclif's parse errors and our own checks of what was given. */
  Usage = 2,
  /** The block, transaction, account or contract asked for does not exist. */
  NotFound = 3,
  /** The command needs a running node and none answers on this data dir. */
  NodeUnavailable = 4,
  /** A file or database is corrupt or of an incompatible version; nothing was changed. */
  BadData = 5,
  /** The account may not read the record: not a recipient, or its keystore lacks the key. */
  NotReadable = 6,
  /** Interrupted by the user (Ctrl-C): 128 + SIGINT, as shells report it. */
  Interrupted = 130,
}
