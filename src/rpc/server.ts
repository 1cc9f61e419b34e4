/**
 * The JSON-RPC server: HTTP and WebSocket on loopback (docs/rpc.md).
 *
 *   POST /          JSON-RPC, every call authenticated with the cookie the node writes into its
 *   WS   /          data dir (mode 0600, as Bitcoin Core's `.cookie`): whoever can read the data
 *                   dir may use the node, nobody else on the machine can.
 *   POST /public    the read-only methods, without the cookie: what the explorer page calls.
 *   WS   /public
 *   GET  <page>     read-only pages (the explorer, metrics), without the cookie.
 *
 * Every request must name this server in its `Host` header (127.0.0.1, localhost or [::1] with
 * its port), and a browser's `Origin`, when sent to the cookie-less endpoints, must be this
 * server too: a web page elsewhere that rebinds its DNS name to 127.0.0.1 is refused (DNS
 * rebinding), as are pages of other origins opening a WebSocket.
 *
 * Methods are functions of their params and of the connection they came on (a WebSocket
 * connection can be sent notifications); this module only speaks the protocol: size limits,
 * parse, authenticate, dispatch, batches (an array of calls answered with an array, the calls
 * run concurrently: JSON-RPC 2.0 §6), bounds on WebSocket clients, and turning every failure
 * into a JSON-RPC error object.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { errorMessage } from '../errors.js'
import {
  MAX_BATCH_CALLS,
  MAX_BUFFERED_BYTES,
  MAX_FRAME_BYTES,
  MAX_IN_FLIGHT_PER_CONNECTION,
  MAX_REQUEST_BYTES,
  MAX_WEBSOCKETS,
  RpcError,
  RpcErrorCode,
  type RpcRequest,
  type RpcResponse,
} from './protocol.js'
import type { Subscriber } from './subscriptions.js'

/** The connection a call came on: HTTP (one call) or a WebSocket (many, and notifications). */
export interface RpcConnection extends Subscriber {
  readonly transport: 'http' | 'websocket'
}

export type RpcMethod = (params: unknown, connection: RpcConnection) => unknown
export type RpcMethods = Readonly<Record<string, RpcMethod>>

/** Serves a read-only GET page; the server has checked the Host header already. */
export type PageHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>

export interface RpcServerLimits {
  readonly maxFrameBytes: number
  readonly maxBufferedBytes: number
  readonly maxWebSockets: number
  readonly maxInFlight: number
}

export interface RpcServerInit {
  /** Every method, for clients with the cookie. */
  readonly methods: RpcMethods
  /** The read-only methods anyone on this machine may call (the explorer's). */
  readonly publicMethods?: RpcMethods
  /** GET pages by path; a path ending in `/` serves everything below it. */
  readonly pages?: Readonly<Record<string, PageHandler>>
  /** The secret every request must carry as `Authorization: Bearer <cookie>`. */
  readonly cookie: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly limits?: Partial<RpcServerLimits>
  /** Called with errors that are the server's fault (never with a client's bad input). */
  readonly onInternalError?: (method: string, error: unknown) => void
  /** Called when a WebSocket client is disconnected for not reading its notifications. */
  readonly onSlowClient?: (connection: number) => void
  /** Called when a WebSocket connection closes (its subscriptions must go). */
  readonly onClose?: (connection: RpcConnection) => void
}

type Endpoint = 'private' | 'public'

/** Reads a request body up to `limit` bytes; `undefined` when it is longer. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        resolve(undefined)
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function isRequest(value: unknown): value is RpcRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const request = value as Record<string, unknown>
  const idOk = request.id === undefined || request.id === null || typeof request.id === 'string' || typeof request.id === 'number'
  return request.jsonrpc === '2.0' && typeof request.method === 'string' && idOk
}

function errorResponse(id: RpcRequest['id'], code: number, message: string, data?: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }
}

/** What a message says: a JSON value (a call, or a batch of them), or not JSON at all. */
function parseMessage(text: string): { readonly value: unknown } | { readonly error: RpcResponse } {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return { error: errorResponse(null, RpcErrorCode.ParseError, 'request is not JSON') }
  }
}

/** The id of a call, for an error about it; null when it has none we can read. */
function idOf(value: unknown): RpcRequest['id'] {
  return isRequest(value) ? (value.id ?? null) : null
}

/** The answer to a message: a response, an array of them for a batch, or nothing (notifications only). */
type Answer = RpcResponse | RpcResponse[] | undefined

export class RpcServer {
  private server: Server | undefined
  private readonly cookie: Buffer
  private readonly limits: RpcServerLimits
  private readonly sockets: WebSocketServer
  private nextConnection = 1

  constructor(private readonly init: RpcServerInit) {
    this.cookie = Buffer.from(init.cookie)
    this.limits = {
      maxFrameBytes: init.limits?.maxFrameBytes ?? MAX_FRAME_BYTES,
      maxBufferedBytes: init.limits?.maxBufferedBytes ?? MAX_BUFFERED_BYTES,
      maxWebSockets: init.limits?.maxWebSockets ?? MAX_WEBSOCKETS,
      maxInFlight: init.limits?.maxInFlight ?? MAX_IN_FLIGHT_PER_CONNECTION,
    }
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrameBytes })
  }

  /** Starts listening; resolves with the URL clients use. Idempotent. */
  async start(): Promise<string> {
    if (this.server === undefined) {
      const server = createServer((request, response) => void this.handle(request, response))
      server.requestTimeout = 30_000
      server.headersTimeout = 10_000
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.init.port, this.init.host, () => resolve())
      })
      this.server = server
    }
    return this.url
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined
    if (address === undefined || address === null) throw new Error('the RPC server is not listening')
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}/`
  }

  /** Open WebSocket connections (for metrics). */
  get webSockets(): number {
    return this.sockets.clients.size
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    for (const socket of this.sockets.clients) socket.terminate()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? ''
    const token = Buffer.from(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '')
    return token.length === this.cookie.length && timingSafeEqual(token, this.cookie)
  }

  /** The names this server answers to: loopback by address or by name, with its port. */
  private ownHosts(): string[] {
    const port = (this.server?.address() as AddressInfo | null | undefined)?.port
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  }

  /** DNS rebinding: a request for another name that reached us is refused. */
  private hostAllowed(request: IncomingMessage): boolean {
    return this.ownHosts().includes((request.headers.host ?? '').toLowerCase())
  }

  /** A browser's request from a page of another origin is refused (no header: not a browser). */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin
    return origin === undefined || this.ownHosts().some((host) => origin.toLowerCase() === `http://${host}`)
  }

  /** Which endpoint a request is for, or why it is refused: [status, message]. */
  private endpointOf(request: IncomingMessage, path: string): Endpoint | [number, string] {
    if (path === '/public' || path === '/public/') {
      if (this.init.publicMethods === undefined) return [404, 'no public endpoint']
      return this.originAllowed(request) ? 'public' : [403, 'cross-origin requests are refused']
    }
    if (path !== '/') return [404, 'not found']
    return this.authorized(request) ? 'private' : [401, 'missing or wrong cookie: read it from <datadir>/rpc.cookie']
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: RpcResponse): void => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (!this.hostAllowed(request)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('Host not allowed\n')
      return
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (request.method === 'GET' || request.method === 'HEAD') {
      const page = this.pageFor(path)
      if (page === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        return
      }
      try {
        await page(request, response)
      } catch (error) {
        this.init.onInternalError?.(`GET ${path}`, error)
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
        response.end()
      }
      return
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'GET, POST' }).end()
      return
    }
    const endpoint = this.endpointOf(request, path)
    if (Array.isArray(endpoint)) {
      const [status, message] = endpoint
      send(status, errorResponse(null, status === 401 ? RpcErrorCode.Unauthorized : RpcErrorCode.InvalidRequest, message))
      return
    }
    let body: Buffer | undefined
    try {
      body = await readBody(request, MAX_REQUEST_BYTES)
    } catch {
      return
    }
    if (body === undefined) {
      send(413, errorResponse(null, RpcErrorCode.InvalidRequest, `request body over ${MAX_REQUEST_BYTES} bytes`))
      return
    }
    const parsed = parseMessage(body.toString('utf8'))
    const connection: RpcConnection = { id: this.nextConnection++, transport: 'http', notify: () => false }
    const answer = 'error' in parsed ? parsed.error : await this.answer(endpoint, parsed.value, connection)
    if (answer === undefined) {
      // Notifications only: nothing to answer (JSON-RPC 2.0 §4.1, §6).
      response.writeHead(204).end()
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify(answer))
  }

  /** Answers one call, or a batch of them run concurrently (JSON-RPC 2.0 §6). */
  private async answer(endpoint: Endpoint, message: unknown, connection: RpcConnection): Promise<Answer> {
    if (!Array.isArray(message)) return this.answerCall(endpoint, message, connection)
    if (message.length === 0) return errorResponse(null, RpcErrorCode.InvalidRequest, 'an empty batch')
    if (message.length > MAX_BATCH_CALLS) {
      return errorResponse(null, RpcErrorCode.LimitExceeded, `a batch of ${message.length} calls, limit ${MAX_BATCH_CALLS}`)
    }
    const answers = await Promise.all(message.map((call) => this.answerCall(endpoint, call, connection)))
    const responses = answers.filter((answer) => answer !== undefined)
    return responses.length === 0 ? undefined : responses
  }

  /** A call's response; none for a notification (a call without an id), even when it fails. */
  private async answerCall(endpoint: Endpoint, call: unknown, connection: RpcConnection): Promise<RpcResponse | undefined> {
    if (!isRequest(call)) return errorResponse(null, RpcErrorCode.InvalidRequest, 'not a JSON-RPC 2.0 request')
    const response = await this.dispatch(endpoint, call, connection)
    return call.id === undefined ? undefined : response
  }

  private pageFor(path: string): PageHandler | undefined {
    const pages = this.init.pages ?? {}
    if (Object.hasOwn(pages, path)) return pages[path]
    const prefix = Object.keys(pages).find((key) => key.endsWith('/') && path.startsWith(key))
    return prefix === undefined ? undefined : pages[prefix]
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, message: string): void => {
      socket.end(`HTTP/1.1 ${status} ${message}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    }
    if (!this.hostAllowed(request)) return refuse(403, 'Host not allowed')
    const endpoint = this.endpointOf(request, new URL(request.url ?? '/', 'http://localhost').pathname)
    if (Array.isArray(endpoint)) return refuse(endpoint[0], endpoint[0] === 401 ? 'Unauthorized' : 'Forbidden')
    if (this.sockets.clients.size >= this.limits.maxWebSockets) return refuse(503, 'Too many connections')
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.serveWebSocket(webSocket, endpoint))
  }

  private serveWebSocket(socket: WebSocket, endpoint: Endpoint): void {
    const id = this.nextConnection++
    const { maxBufferedBytes, maxInFlight } = this.limits
    const send = (message: unknown): boolean => {
      if (socket.readyState !== socket.OPEN) return false
      // A client that does not read lets our send buffer grow: past the bound it is cut off.
      if (socket.bufferedAmount > maxBufferedBytes) {
        this.init.onSlowClient?.(id)
        socket.terminate()
        return false
      }
      socket.send(JSON.stringify(message))
      return true
    }
    const connection: RpcConnection = { id, transport: 'websocket', notify: (method, params) => send({ jsonrpc: '2.0', method, params }) }
    let inFlight = 0
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        send(errorResponse(null, RpcErrorCode.InvalidRequest, 'binary frames are not JSON-RPC'))
        return
      }
      const parsed = parseMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'))
      if ('error' in parsed) {
        send(parsed.error)
        return
      }
      // A batch is one message: it counts once.
      if (inFlight >= maxInFlight) {
        send(errorResponse(idOf(parsed.value), RpcErrorCode.LimitExceeded, `at most ${maxInFlight} requests in flight per connection`))
        return
      }
      inFlight++
      void this.answer(endpoint, parsed.value, connection).then((answer) => {
        inFlight--
        if (answer !== undefined) send(answer)
      })
    })
    // Oversized frames and protocol errors: `ws` closes the connection (1009, 1002); nothing else to do.
    socket.on('error', () => socket.terminate())
    socket.on('close', () => this.init.onClose?.(connection))
  }

  private async dispatch(endpoint: Endpoint, request: RpcRequest, connection: RpcConnection): Promise<RpcResponse> {
    const id = request.id ?? null
    const methods = endpoint === 'private' ? this.init.methods : (this.init.publicMethods ?? {})
    const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined
    if (method === undefined) return errorResponse(id, RpcErrorCode.MethodNotFound, `no method ${JSON.stringify(request.method.slice(0, 64))}`)
    try {
      return { jsonrpc: '2.0', id, result: (await method(request.params ?? {}, connection)) ?? null }
    } catch (error) {
      if (error instanceof RpcError) return errorResponse(id, error.data.rpcCode, error.message, error.data.detail)
      this.init.onInternalError?.(request.method, error)
      return errorResponse(id, RpcErrorCode.InternalError, errorMessage(error))
    }
  }
}
