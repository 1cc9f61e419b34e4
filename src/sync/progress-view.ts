/**
 * How `chain node` shows a sync: in a terminal, a progress bar (blocks imported of the blocks
 * to import, rate, ETA) drawn with `cli-progress` on stderr; otherwise a log line every
 * PROGRESS_LOG_INTERVAL_MS and one at the start and the end, for log files and services.
 */
import { Presets, SingleBar } from 'cli-progress'
import type { Logger } from '../log.js'
import { PROGRESS_LOG_INTERVAL_MS } from './constants.js'
import type { Downloader, SyncStart } from './downloader.js'
import type { SyncProgress } from './types.js'

export interface ProgressViewInit {
  readonly downloader: Downloader
  readonly log: Logger
  /** Draw a bar (stderr is a terminal) instead of logging lines. */
  readonly terminal: boolean
  readonly logIntervalMs?: number
  readonly now?: () => number
}

interface Shown {
  readonly startedAt: number
  readonly bar: SingleBar | undefined
  lastLogAt: number
}

/** Blocks per second over the run so far. */
function rate(progress: SyncProgress, startedAt: number, now: number): number {
  const seconds = (now - startedAt) / 1000
  return seconds > 0 ? progress.imported / seconds : 0
}

/** Blocks this run imports in all: exact once the ancestor is known, else up to the target. */
function total(progress: SyncProgress): number {
  return Math.max(1, progress.toImport ?? progress.target - progress.startHeight)
}

export class SyncProgressView {
  private shown: Shown | undefined
  private readonly now: () => number
  private readonly detach: (() => void)[] = []

  constructor(private readonly init: ProgressViewInit) {
    this.now = init.now ?? Date.now
  }

  /** Starts showing runs (idempotent). */
  start(): void {
    if (this.detach.length > 0) return
    const { downloader } = this.init
    const onStart = (start: SyncStart): void => this.started(start)
    const onProgress = (progress: SyncProgress): void => this.progressed(progress)
    const onEnd = (): void => this.ended()
    downloader.on('sync:start', onStart)
    downloader.on('sync:progress', onProgress)
    downloader.on('sync:done', onEnd)
    downloader.on('sync:failed', onEnd)
    this.detach.push(() => {
      downloader.off('sync:start', onStart)
      downloader.off('sync:progress', onProgress)
      downloader.off('sync:done', onEnd)
      downloader.off('sync:failed', onEnd)
    })
  }

  stop(): void {
    for (const detach of this.detach.splice(0)) detach()
    this.ended()
  }

  private started(start: SyncStart): void {
    this.ended()
    const now = this.now()
    const blocks = Math.max(1, start.target.height - start.from)
    let bar: SingleBar | undefined
    if (this.init.terminal) {
      bar = new SingleBar(
        {
          format: 'sync |{bar}| {value}/{total} blocks | {rate} blocks/s | ETA {eta_formatted}',
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      )
      bar.start(blocks, 0, { rate: '0' })
    }
    this.shown = { startedAt: now, bar, lastLogAt: now }
  }

  private progressed(progress: SyncProgress): void {
    const shown = this.shown
    if (shown === undefined) return
    const now = this.now()
    const perSecond = rate(progress, shown.startedAt, now)
    if (shown.bar !== undefined) {
      shown.bar.setTotal(total(progress))
      shown.bar.update(progress.imported, { rate: perSecond.toFixed(0) })
      return
    }
    if (now - shown.lastLogAt < (this.init.logIntervalMs ?? PROGRESS_LOG_INTERVAL_MS)) return
    shown.lastLogAt = now
    const left = total(progress) - progress.imported
    this.init.log.info('sync progress', {
      height: progress.current,
      target: progress.target,
      imported: progress.imported,
      of: total(progress),
      rate: `${perSecond.toFixed(1)} blocks/s`,
      eta: perSecond > 0 ? `${Math.ceil(left / perSecond)} s` : 'unknown',
    })
  }

  private ended(): void {
    this.shown?.bar?.stop()
    this.shown = undefined
  }
}
