/**
 * The client's WebSocket to the node: JSON-RPC calls over it, and the notifications of its
 * subscriptions delivered to async iterators. Opened on the first subscription, with the same
 * cookie as the HTTP calls.
 */
import { WebSocket } from 'ws'
import { RpcClientError } from '../rpc/client.js'
import { MAX_RESPONSE_BYTES, type RpcResponse } from '../rpc/protocol.js'
import { SUBSCRIPTION_METHOD } from '../rpc/subscriptions.js'

/** Notifications a subscription holds for a consumer that has not asked for them yet. */
const MAX_QUEUED_NOTIFICATIONS = 10_000
const CONNECT_TIMEOUT_MS = 10_000
const CALL_TIMEOUT_MS = 30_000

/** A live subscription: iterate it for the items; `close()` (or `break`) ends it. */
export class Subscription<T> implements AsyncIterable<T> {
  private readonly queue: T[] = []
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined
  private ended: Error | true | undefined

  constructor(
    readonly id: string,
    private readonly onClose: () => void,
  ) {}

  /** @internal Called by the socket with each notification. */
  push(item: T): void {
    if (this.ended !== undefined) return
    if (this.waiting !== undefined) {
      const { resolve } = this.waiting
      this.waiting = undefined
      resolve({ value: item, done: false })
      return
    }
    if (this.queue.length >= MAX_QUEUED_NOTIFICATIONS) {
      this.end(new RpcClientError('RPC_CLIENT_ERROR_BAD_RESPONSE', `more than ${MAX_QUEUED_NOTIFICATIONS} notifications were not read`))
      return
    }
    this.queue.push(item)
  }

  /** @internal Ends the iteration: normally (`true`) or with an error. */
  end(reason: Error | true): void {
    if (this.ended !== undefined) return
    this.ended = reason
    const waiting = this.waiting
    this.waiting = undefined
    if (waiting === undefined) return
    if (reason === true) waiting.resolve({ value: undefined, done: true })
    else waiting.reject(reason)
  }

  close(): void {
    this.end(true)
    this.onClose()
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.queue.shift()
        if (item !== undefined) return Promise.resolve({ value: item, done: false })
        if (this.ended === true) return Promise.resolve({ value: undefined, done: true })
        if (this.ended !== undefined) return Promise.reject(this.ended)
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }))
      },
      return: () => {
        this.close()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}

export class NodeSocket {
  private socket: Promise<WebSocket> | undefined
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>()
  private readonly subscriptions = new Map<string, Subscription<unknown>>()

  constructor(
    private readonly url: string,
    private readonly cookie: string,
  ) {}

  private open(): Promise<WebSocket> {
    this.socket ??= new Promise<WebSocket>((resolve, reject) => {
      const url = this.url.replace(/^http/, 'ws')
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.cookie}` }, maxPayload: MAX_RESPONSE_BYTES, handshakeTimeout: CONNECT_TIMEOUT_MS })
      socket.once('open', () => resolve(socket))
      socket.once('error', (error) => {
        this.socket = undefined
        reject(new RpcClientError('RPC_CLIENT_ERROR_UNREACHABLE', `no WebSocket to the node at ${url}: ${error.message}`))
      })
      socket.on('message', (data: Buffer) => this.receive(data.toString('utf8')))
      socket.once('close', (code, reason) => this.closed(code, reason.toString()))
    })
    return this.socket
  }

  private receive(text: string): void {
    let message: RpcResponse | { method: string; params: { subscription: string; result: unknown } }
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      return
    }
    if ('method' in message) {
      if (message.method === SUBSCRIPTION_METHOD) this.subscriptions.get(message.params.subscription)?.push(message.params.result)
      return
    }
    const call = typeof message.id === 'number' ? this.pending.get(message.id) : undefined
    if (call === undefined) return
    this.pending.delete(message.id as number)
    clearTimeout(call.timer)
    if ('error' in message) call.reject(new RpcClientError('RPC_CLIENT_ERROR_REMOTE', message.error.message, { rpcCode: message.error.code, detail: message.error.data }))
    else call.resolve(message.result)
  }

  private closed(code: number, reason: string): void {
    this.socket = undefined
    const error = new RpcClientError('RPC_CLIENT_ERROR_UNREACHABLE', `the node closed the WebSocket (${code}${reason === '' ? '' : `: ${reason}`})`)
    for (const call of this.pending.values()) {
      clearTimeout(call.timer)
      call.reject(error)
    }
    this.pending.clear()
    for (const subscription of this.subscriptions.values()) subscription.end(error)
    this.subscriptions.clear()
  }

  async call<T>(method: string, params: object): Promise<T> {
    const socket = await this.open()
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new RpcClientError('RPC_CLIENT_ERROR_UNREACHABLE', `the node did not answer ${method} within ${CALL_TIMEOUT_MS / 1000} s`))
      }, CALL_TIMEOUT_MS)
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }

  async subscribe<T>(params: object): Promise<Subscription<T>> {
    const { subscription: id } = await this.call<{ subscription: string }>('subscribe', params)
    const subscription = new Subscription<T>(id, () => {
      this.subscriptions.delete(id)
      void this.call('unsubscribe', { subscription: id }).catch(() => undefined)
    })
    this.subscriptions.set(id, subscription as Subscription<unknown>)
    return subscription
  }

  /** Closes the socket, ending every subscription. */
  async close(): Promise<void> {
    for (const subscription of this.subscriptions.values()) subscription.end(true)
    this.subscriptions.clear()
    const opening = this.socket
    this.socket = undefined
    if (opening === undefined) return
    const socket = await opening.catch(() => undefined)
    if (socket === undefined || socket.readyState === socket.CLOSED) return
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve())
      socket.close()
    })
  }
}
