import { Flags, ux } from '@oclif/core'
import { ChainCommand } from '../cli/base-command.js'
import { requireNode } from '../client/connect.js'
import type { EventView } from '../chain/events.js'
import type { EventFilterParams } from '../rpc/api.js'

export interface EventsResult {
  readonly events: readonly EventView[]
}

/** One line per event: where it is, which contract and name, its data as JSON. */
function eventLine(event: EventView): string {
  const removed = event.removed ? ' REMOVED' : ''
  return `${event.height}.${event.txIndex}.${event.eventIndex}${removed}  ${event.contract}  ${event.name}  ${JSON.stringify(event.data)}  tx ${event.txHash}`
}

export default class Events extends ChainCommand<typeof Events> {
  static override summary = 'List contract events, and with --follow keep printing new ones as blocks arrive.'
  static override description = `Asks the node running on the data dir: past events from its events index (by contract, by name, by height range), then with --follow the new ones over a WebSocket subscription until Ctrl-C. When a reorganisation takes a block out of the chain, its events are printed again marked REMOVED ("removed": true with --json).

With --json and --follow, each event is one line of JSON.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --contract ct1… --name Incremented',
    '<%= config.bin %> <%= command.id %> --from 100 --to 200 --json',
    '<%= config.bin %> <%= command.id %> --contract ct1… --follow',
  ]
  static override flags = {
    contract: Flags.string({ summary: 'Only events of this contract (ct1…).', helpValue: 'ADDRESS' }),
    name: Flags.string({ summary: 'Only events of this name (repeatable).', multiple: true, helpValue: 'NAME' }),
    from: Flags.integer({ summary: 'First block height (default 0; with --follow, the head: only new events).', min: 0, helpValue: 'HEIGHT' }),
    to: Flags.integer({ summary: 'Last block height (default: the head).', min: 0, helpValue: 'HEIGHT', exclusive: ['follow'] }),
    follow: Flags.boolean({ summary: 'Keep printing new events until Ctrl-C.', default: false }),
  }

  async run(): Promise<EventsResult | undefined> {
    const { flags } = this
    const client = await requireNode(flags.datadir)
    const filter: EventFilterParams = {
      ...(flags.contract === undefined ? {} : { contract: flags.contract }),
      ...(flags.name === undefined ? {} : { names: flags.name }),
    }
    // With --json, oclif's `log` prints nothing (the result is the JSON): a follower's lines go out directly.
    const print = (event: EventView): void => ux.stdout(this.jsonEnabled() ? JSON.stringify(event) : eventLine(event))
    if (!flags.follow) {
      const events: EventView[] = []
      for await (const event of client.events({ ...filter, fromHeight: flags.from ?? 0, ...(flags.to === undefined ? {} : { toHeight: flags.to }) })) {
        events.push(event)
        if (!this.jsonEnabled()) print(event)
      }
      return { events }
    }
    // Subscribe first, then read the past up to the head: nothing falls between the two.
    const live = await client.subscribe('events', filter)
    const stop = (): void => live.close()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      let printedTo = -1
      if (flags.from !== undefined) {
        const head = (await client.status()).height
        for await (const event of client.events({ ...filter, fromHeight: flags.from, toHeight: head })) print(event)
        printedTo = head
      }
      for await (const event of live) {
        if (event.removed || event.height > printedTo) print(event)
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await client.close()
    }
    return undefined
  }
}
