/**
 * The block explorer page (docs/explorer.md): the node's read-only view of its chain, served
 * by the node itself and bundled at build time. Routes live in the URL's hash:
 *
 *   #/                     status, peers and sync, the chart, the latest blocks (live)
 *   #/block/<height|hash>  a block with its transactions
 *   #/tx/<hash>            a transaction with its receipt and events
 *   #/contract/<ct1…>      a contract: code, state keys, recent events
 *   #/participant/<ch1…>   a participant
 *
 * Every chain value is rendered as text (src/explorer/app/dom.ts), never as HTML.
 */
import type { EventView } from '../../chain/events.js'
import type { TransactionView } from '../../chain/views.js'
import type { BlockResult } from '../../rpc/api.js'
import { blocksChart, type BlocksChart } from './chart.js'
import { append, el, fields, json, link, short, table } from './dom.js'
import { call, RpcFailure, subscribe } from './rpc.js'

/** Blocks in the latest-blocks table and the chart. */
const RECENT_BLOCKS = 50
/** Status and peers are refreshed this often on the home page. */
const STATUS_REFRESH_MS = 5_000

const main = document.getElementById('main')!
const liveBadge = document.getElementById('live')!
/** What the current page must undo when another is shown (timers, subscriptions). */
const leave: (() => void)[] = []

function show(...children: (Node | string)[]): void {
  main.replaceChildren()
  append(main, ...children)
}

function blockRow(block: BlockResult): (Node | string | number)[] {
  return [
    link(`block/${block.height}`, String(block.height)),
    el('code', {}, short(block.hash)),
    new Date(block.timestamp).toLocaleTimeString(),
    block.transactions.length,
    block.gasUsed,
    link(`participant/${block.producer}`, short(block.producer)),
  ]
}

const BLOCK_HEADERS = ['height', 'hash', 'time', 'txs', 'gas', 'producer']

async function home(): Promise<void> {
  const [status, peers, blocks] = await Promise.all([call('status', {}), call('peers', {}), call('getBlocks', { count: RECENT_BLOCKS })])
  const statusBox = el('section', { id: 'status' })
  const renderStatus = (s: typeof status, p: typeof peers): void => {
    const sync = s.syncing === false ? 'in sync' : `syncing: ${s.syncing.current} of ${s.syncing.target}`
    statusBox.replaceChildren(
      el('h2', {}, 'Node'),
      fields([
        ['network', s.network],
        ['height', el('span', { id: 'head-height' }, String(s.height))],
        ['head', el('code', {}, s.head)],
        ['sync', sync],
        ['mempool', `${s.mempool.transactions} transactions, ${s.mempool.bytes} bytes`],
        ['peers', String(s.peers)],
      ]),
      table(
        ['peer', 'direction', 'height', 'latency'],
        p.map((peer) => [el('code', {}, short(peer.peerId)), peer.direction, peer.height ?? '', peer.latencyMs === undefined ? '' : `${Math.round(peer.latencyMs)} ms`]),
        { id: 'peers' },
      ),
    )
  }
  renderStatus(status, peers)
  const chartBox = el('section', { id: 'chart' })
  const rows = el('tbody', {})
  let recent = [...blocks]
  const renderRows = (): void => rows.replaceChildren(...recent.map((block) => el('tr', {}, ...blockRow(block).map((cell) => el('td', {}, cell)))))
  renderRows()
  show(
    statusBox,
    chartBox,
    el('section', {}, el('h2', {}, 'Latest blocks'), el('table', { id: 'blocks' }, el('thead', {}, el('tr', {}, ...BLOCK_HEADERS.map((h) => el('th', {}, h)))), rows)),
  )
  const chart: BlocksChart = blocksChart(chartBox, recent)
  const stopHeads = subscribe(
    'newHeads',
    (item) => {
      const block = { ...(item as Omit<BlockResult, 'canonical'>), canonical: true }
      const render = (): void => {
        renderRows()
        chart.update(recent)
        const height = document.getElementById('head-height')
        if (height !== null) height.textContent = String(recent[0]?.height ?? '')
      }
      // The next block on top of the list is added; anything else (heads missed while the
      // socket connected, a reorganisation) reloads the list, so it never has gaps.
      if (recent[0] !== undefined && block.height === recent[0].height + 1 && block.parentHash === recent[0].hash) {
        recent = [block, ...recent].slice(0, RECENT_BLOCKS)
        render()
      } else {
        void call('getBlocks', { count: RECENT_BLOCKS }).then((latest) => {
          recent = [...latest]
          render()
        })
      }
    },
    (live) => (liveBadge.textContent = live ? 'live' : 'reconnecting…'),
  )
  const timer = setInterval(() => {
    void Promise.all([call('status', {}), call('peers', {})]).then(([s, p]) => renderStatus(s, p))
  }, STATUS_REFRESH_MS)
  leave.push(stopHeads, () => clearInterval(timer), () => chart.destroy())
}

async function block(id: string): Promise<void> {
  const found = await call('getBlock', { block: /^\d+$/.test(id) ? Number(id) : id })
  show(
    el('h2', {}, `Block ${found.height}`),
    fields([
      ['hash', el('code', {}, found.hash)],
      ['parent', found.height === 0 ? 'none' : link(`block/${found.parentHash}`, found.parentHash)],
      ['canonical', found.canonical ? 'yes' : 'no (a side branch)'],
      ['time', found.time],
      ['producer', link(`participant/${found.producer}`, found.producer)],
      ['gas used', String(found.gasUsed)],
      ['difficulty', found.difficulty],
      ['total work', found.totalWork],
      ['state root', el('code', {}, found.stateRoot)],
      ['transactions root', el('code', {}, found.txRoot)],
      ['receipts root', el('code', {}, found.receiptsRoot)],
    ]),
    el('h3', {}, `${found.transactions.length} transactions`),
    el('ul', { id: 'transactions' }, ...found.transactions.map((hash) => el('li', {}, link(`tx/${hash}`, hash)))),
  )
}

function eventsTable(events: readonly EventView[]): HTMLTableElement {
  return table(
    ['height', 'contract', 'name', 'data'],
    events.map((event) => [link(`tx/${event.txHash}`, String(event.height)), link(`contract/${event.contract}`, short(event.contract)), event.name, json(event.data)]),
    { class: 'events' },
  )
}

/** What a transaction of each kind carries, as fields; every value shown as text. */
function payloadFields(tx: TransactionView): [string, Node | string][] {
  switch (tx.kind) {
    case 'participant':
      return [['name', tx.name ?? '(none)'], ['encryption key', tx.encryptionKey?.publicKey ?? '(none)']]
    case 'contract-deploy':
      return [['args', tx.args], ['code', el('pre', { class: 'code' }, tx.code)]]
    case 'contract-call':
      return [['contract', link(`contract/${tx.contract}`, tx.contract)], ['method', tx.method], ['args', tx.args]]
    case 'encryption-key':
      return [['encryption key', tx.encryptionKey.publicKey]]
    case 'record':
      return [['recipients', tx.recipients.map((recipient) => recipient.id).join(', ')], ['ciphertext', `${tx.ciphertextBytes} bytes`]]
  }
}

async function transaction(hash: string): Promise<void> {
  const tx = await call('getTransaction', { hash })
  const payload = payloadFields(tx)
  const receipt = tx.receipt
  show(
    el('h2', {}, `Transaction ${short(tx.hash)}`),
    fields([
      ['hash', el('code', {}, tx.hash)],
      ['kind', tx.kind],
      ['sender', link(`participant/${tx.sender}`, tx.sender)],
      ['nonce', String(tx.nonce)],
      ['gas limit', String(tx.gasLimit)],
      ['block', tx.block === null ? 'pending' : link(`block/${tx.block.hash}`, `${tx.block.height} (index ${tx.block.index})`)],
      ...payload,
    ]),
    el('h3', {}, 'Receipt'),
    receipt === null
      ? 'none yet'
      : fields([
          ['status', receipt.status],
          ['gas used', String(receipt.gasUsed)],
          ['result', json(receipt.result)],
          ['error', receipt.error ?? ''],
          ['contract', receipt.contract === null ? '' : link(`contract/${receipt.contract}`, receipt.contract)],
        ]),
    el('h3', {}, 'Events'),
    receipt === null ? '' : eventsTable(receipt.events.map((event, index) => ({ ...event, height: tx.block?.height ?? 0, blockHash: tx.block?.hash ?? '', txHash: tx.hash, txIndex: tx.block?.index ?? 0, eventIndex: index, removed: false }))),
  )
}

async function contract(address: string): Promise<void> {
  const [found, storage, events] = await Promise.all([
    call('getContract', { address }),
    call('getContractStorage', { address, limit: 200 }),
    call('getEvents', { contract: address, limit: 50 }),
  ])
  show(
    el('h2', {}, `Contract ${short(found.address)}`),
    fields([
      ['address', el('code', {}, found.address)],
      ['deployer', link(`participant/${found.deployer}`, found.deployer)],
    ]),
    el('h3', {}, `State keys at height ${storage.height}${storage.truncated ? ' (the first 200)' : ''}`),
    table(['key', 'value'], storage.entries.map((entry) => [entry.key, json(entry.value)]), { id: 'storage' }),
    el('h3', {}, 'Events (oldest first)'),
    eventsTable(events.events),
    el('h3', {}, 'Code'),
    el('pre', { class: 'code', id: 'code' }, found.code),
  )
}

async function participant(id: string): Promise<void> {
  const found = await call('getParticipant', { id })
  show(
    el('h2', {}, 'Participant'),
    fields([
      ['id', el('code', {}, found.id)],
      ['name', el('span', { id: 'participant-name' }, found.name ?? '(none)')],
      ['public key', el('code', {}, found.publicKey)],
      ['transactions', String(found.nonce)],
      ['next nonce', String(found.nextNonce)],
    ]),
  )
}

/** Where a search goes: a height, a block or transaction hash, a contract, a participant. */
async function search(query: string): Promise<string | undefined> {
  const text = query.trim()
  if (/^\d+$/.test(text)) return `block/${text}`
  if (/^ct1/.test(text)) return `contract/${text}`
  if (/^ch1/.test(text)) return `participant/${text}`
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) {
    const hash = text.replace(/^0x/, '').toLowerCase()
    try {
      await call('getBlock', { block: hash })
      return `block/${hash}`
    } catch {
      return `tx/${hash}`
    }
  }
  return undefined
}

async function route(): Promise<void> {
  for (const undo of leave.splice(0)) undo()
  liveBadge.textContent = ''
  const [page = '', id = ''] = decodeURIComponent(location.hash.replace(/^#\/?/, '')).split('/')
  try {
    switch (page) {
      case '':
        return await home()
      case 'block':
        return await block(id)
      case 'tx':
        return await transaction(id)
      case 'contract':
        return await contract(id)
      case 'participant':
        return await participant(id)
      default:
        show(el('p', { class: 'error' }, `No page ${page}.`))
    }
  } catch (error) {
    const message = error instanceof RpcFailure ? error.message : String(error)
    show(el('p', { class: 'error' }, message))
  }
}

document.getElementById('search')!.addEventListener('submit', (event) => {
  event.preventDefault()
  const input = document.getElementById('query') as HTMLInputElement
  void search(input.value).then((target) => {
    if (target === undefined) show(el('p', { class: 'error' }, `Not a height, hash, contract or participant: ${input.value}`))
    else location.hash = `#/${target}`
  })
})
window.addEventListener('hashchange', () => void route())
void route()
