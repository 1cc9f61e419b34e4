/**
 * The JSON-RPC server: HTTP on loopback, one POST endpoint, every call authenticated with the
 * cookie the node writes into its data dir (mode 0600, as Bitcoin Core's `.cookie`): whoever can
 * read the data dir may use the node, nobody else on the machine can.
 *
 * Methods are plain functions of their params; this module only speaks the protocol: size limit,
 * parse, authenticate, dispatch, and turn every failure into a JSON-RPC error object.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { errorMessage } from '../errors.js'
import { MAX_REQUEST_BYTES, RpcError, RpcErrorCode, type RpcRequest, type RpcResponse } from './protocol.js'

export type RpcMethod = (params: unknown) => unknown
export type RpcMethods = Readonly<Record<string, RpcMethod>>

export interface RpcServerInit {
  readonly methods: RpcMethods
  /** The secret every request must carry as `Authorization: Bearer <cookie>`. */
  readonly cookie: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Called with errors that are the server's fault (never with a client's bad input). */
  readonly onInternalError?: (method: string, error: unknown) => void
}

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

export class RpcServer {
  private server: Server | undefined
  private readonly cookie: Buffer

  constructor(private readonly init: RpcServerInit) {
    this.cookie = Buffer.from(init.cookie)
  }

  /** Starts listening; resolves with the URL clients use. Idempotent. */
  async start(): Promise<string> {
    if (this.server === undefined) {
      const server = createServer((request, response) => void this.handle(request, response))
      server.requestTimeout = 30_000
      server.headersTimeout = 10_000
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

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? ''
    const token = Buffer.from(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '')
    return token.length === this.cookie.length && timingSafeEqual(token, this.cookie)
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: RpcResponse): void => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end()
      return
    }
    if (!this.authorized(request)) {
      send(401, errorResponse(null, RpcErrorCode.Unauthorized, 'missing or wrong cookie: read it from <datadir>/rpc.cookie'))
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
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      send(200, errorResponse(null, RpcErrorCode.ParseError, 'request is not JSON'))
      return
    }
    if (!isRequest(parsed)) {
      send(200, errorResponse(null, RpcErrorCode.InvalidRequest, 'not a JSON-RPC 2.0 request (batches are not supported)'))
      return
    }
    send(200, await this.dispatch(parsed))
  }

  private async dispatch(request: RpcRequest): Promise<RpcResponse> {
    const id = request.id ?? null
    const method = Object.hasOwn(this.init.methods, request.method) ? this.init.methods[request.method] : undefined
    if (method === undefined) return errorResponse(id, RpcErrorCode.MethodNotFound, `no method ${JSON.stringify(request.method.slice(0, 64))}`)
    try {
      return { jsonrpc: '2.0', id, result: (await method(request.params ?? {})) ?? null }
    } catch (error) {
      if (error instanceof RpcError) return errorResponse(id, error.data.rpcCode, error.message, error.data.detail)
      this.init.onInternalError?.(request.method, error)
      return errorResponse(id, RpcErrorCode.InternalError, errorMessage(error))
    }
  }
}
