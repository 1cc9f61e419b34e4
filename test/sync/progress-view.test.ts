/**
 * The sync progress view when stderr is not a terminal: one `sync progress` log line per
 * interval while blocks import, with the rate and an ETA, and nothing once the run ended.
 * (The terminal bar is cli-progress's own drawing.) The downloader is a stand-in emitter.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { LogFields, Logger } from '../../src/log.js'
import type { Downloader, DownloaderEvents, SyncProgress } from '../../src/sync/index.js'
import { SyncProgressView } from '../../src/sync/index.js'

function recordingLogger(lines: { message: string; fields?: LogFields }[]): Logger {
  const logger: Logger = {
    error: (message, fields) => lines.push({ message, fields }),
    warn: (message, fields) => lines.push({ message, fields }),
    info: (message, fields) => lines.push({ message, fields }),
    debug: () => undefined,
    child: () => logger,
  }
  return logger
}

test('without a terminal, progress is logged once per interval with rate and ETA, and stops with the run', () => {
  const downloader = new EventEmitter<DownloaderEvents>()
  const lines: { message: string; fields?: LogFields }[] = []
  let now = 1_000_000
  const view = new SyncProgressView({ downloader: downloader as unknown as Downloader, log: recordingLogger(lines), terminal: false, logIntervalMs: 10_000, now: () => now })
  view.start()
  view.start()
  const target = { hash: new Uint8Array(32), height: 1_000, totalWork: 1_001n }
  downloader.emit('sync:start', { target, resumed: false, from: 0 })
  const progress = (imported: number): SyncProgress => ({ target: 1_000, current: imported, startHeight: 0, imported, toImport: 1_000, headers: 1_000, bodies: 1_000 })
  now += 5_000
  downloader.emit('sync:progress', progress(100))
  assert.deepEqual(lines, [], 'not before the interval')
  now += 5_000
  downloader.emit('sync:progress', progress(200))
  assert.deepEqual(lines, [{ message: 'sync progress', fields: { height: 200, target: 1_000, imported: 200, of: 1_000, rate: '20.0 blocks/s', eta: '40 s' } }])
  downloader.emit('sync:done', {} as never)
  now += 20_000
  downloader.emit('sync:progress', progress(300))
  assert.equal(lines.length, 1, 'nothing after the run ended')
  view.stop()
  assert.equal(downloader.listenerCount('sync:progress'), 0)
})
