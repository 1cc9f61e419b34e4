/**
 * The RPC server's protocol and its bounds, over real sockets on 127.0.0.1: the cookie, the
 * Host and Origin checks, WebSocket calls and notifications, and what a hostile client gets
 * (malformed JSON, oversized frames, thousands of subscriptions, never reading).
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { WebSocket } from 'ws'
import { MAX_BATCH_CALLS, RpcErrorCode } from '../../src/rpc/protocol.js'
import { RpcServer, type RpcMethods } from '../../src/rpc/server.js'
import { MAX_SUBSCRIPTIONS_PER_CONNECTION, Subscriptions } from '../../src/rpc/subscriptions.js'
import { waitFor } from '../helpers/wait.js'

const COOKIE = 'a'.repeat(64)
const WAIT_MS = 10_000

interface Harness {
  readonly server: RpcServer
  readonly url: URL
  readonly hub: Subscriptions
  readonly slow: number[]
}

async function startServer(t: TestContext, limits: ConstructorParameters<typeof RpcServer>[0]['limits'] = {}): Promise<Harness> {
  const hub = new Subscriptions()
  const slow: number[] = []
  const methods: RpcMethods = {
    echo: (params) => params,
    secret: () => 'only with the cookie',
    subscribe: (_params, connection) => ({ subscription: hub.subscribe<string>(connection, 'ticks', (tick) => tick) }),
  }
  const server = new RpcServer({
    methods,
    publicMethods: { echo: methods.echo!, subscribe: methods.subscribe! },
    pages: { '/page': (_request, response) => void response.writeHead(200, { 'content-type': 'text/plain' }).end('page\n') },
    cookie: COOKIE,
    host: '127.0.0.1',
    port: 0,
    limits,
    onSlowClient: (connection) => slow.push(connection),
    onClose: (connection) => hub.closeConnection(connection),
  })
  const url = new URL(await server.start())
  t.after(() => server.stop())
  return { server, url, hub, slow }
}

/** A raw HTTP request, so the Host and Origin headers can be anything. */
function http(url: URL, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.setTimeout(WAIT_MS, () => req.destroy(new Error('timed out')))
    req.end(options.body)
  })
}

const rpcBody = (method: string, params: unknown = {}): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })

/** Opens a WebSocket; resolves once open, rejects with the refusal's status. */
function openSocket(t: TestContext, url: URL, options: { path?: string; headers?: Record<string, string> } = {}): Promise<WebSocket> {
  const socket = new WebSocket(`ws://${url.host}${options.path ?? '/'}`, { headers: options.headers ?? { authorization: `Bearer ${COOKIE}` } })
  t.after(() => socket.terminate())
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

/** Sends a request over the socket and waits for the answer with its id. */
function ask(socket: WebSocket, id: number, method: string, params: unknown = {}): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), WAIT_MS)
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { code: number; message: string } }
      if (message.id !== id) return
      clearTimeout(timer)
      socket.off('message', onMessage)
      resolve(message)
    }
    socket.on('message', onMessage)
    socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
  })
}

test('HTTP: the cookie is required, the Host must be this server, pages need no cookie', async (t) => {
  const { url } = await startServer(t)
  const auth = { authorization: `Bearer ${COOKIE}`, 'content-type': 'application/json' }
  const ok = await http(url, { method: 'POST', headers: auth, body: rpcBody('echo', { a: 1 }) })
  assert.deepEqual(JSON.parse(ok.body), { jsonrpc: '2.0', id: 1, result: { a: 1 } })
  const noCookie = await http(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: rpcBody('echo') })
  assert.equal(noCookie.status, 401)
  assert.equal((JSON.parse(noCookie.body) as { error: { code: number } }).error.code, RpcErrorCode.Unauthorized)
  // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
  const rebound = await http(url, { method: 'POST', headers: { ...auth, host: `evil.example:${url.port}` }, body: rpcBody('echo') })
  assert.equal(rebound.status, 403)
  assert.equal((await http(url, { path: '/page', headers: { host: `evil.example:${url.port}` } })).status, 403)
  assert.equal((await http(url, { path: '/page' })).body, 'page\n')
  assert.equal((await http(url, { path: '/page', headers: { host: `localhost:${url.port}` } })).status, 200)
  assert.equal((await http(url, { path: '/nothing' })).status, 404)
  assert.equal((await http(url, { method: 'PUT' })).status, 405)
  // The public endpoint: no cookie, only its methods, and no other origin.
  const open = await http(url, { method: 'POST', path: '/public', headers: { 'content-type': 'application/json' }, body: rpcBody('echo', [2]) })
  assert.deepEqual((JSON.parse(open.body) as { result: unknown }).result, [2])
  const hidden = await http(url, { method: 'POST', path: '/public', body: rpcBody('secret') })
  assert.equal((JSON.parse(hidden.body) as { error: { code: number } }).error.code, RpcErrorCode.MethodNotFound)
  const crossOrigin = await http(url, { method: 'POST', path: '/public', headers: { origin: 'http://evil.example' }, body: rpcBody('echo') })
  assert.equal(crossOrigin.status, 403)
  const sameOrigin = await http(url, { method: 'POST', path: '/public', headers: { origin: `http://127.0.0.1:${url.port}` }, body: rpcBody('echo') })
  assert.equal(sameOrigin.status, 200)
  const malformed = await http(url, { method: 'POST', headers: auth, body: '{"jsonrpc": "2.0", "meth' })
  assert.equal((JSON.parse(malformed.body) as { error: { code: number } }).error.code, RpcErrorCode.ParseError)
})

test('WebSocket: refused without the cookie, for another Host or Origin; calls and notifications with it', async (t) => {
  const { url, hub } = await startServer(t)
  await assert.rejects(openSocket(t, url, { headers: {} }), /refused with 401/)
  await assert.rejects(openSocket(t, url, { headers: { authorization: `Bearer ${COOKIE}`, host: `evil.example:${url.port}` } }), /refused with 403/)
  await assert.rejects(openSocket(t, url, { path: '/public', headers: { origin: 'http://evil.example' } }), /refused with 403/)
  const socket = await openSocket(t, url)
  assert.deepEqual((await ask(socket, 1, 'echo', { x: 'y' })).result, { x: 'y' })
  const { subscription } = (await ask(socket, 2, 'subscribe')).result as { subscription: string }
  const notified = new Promise<unknown>((resolve) => socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))))
  hub.publish('ticks', 'tick 1')
  assert.deepEqual(await notified, { jsonrpc: '2.0', method: 'subscription', params: { subscription, result: 'tick 1' } })
  // Without the cookie, the public endpoint's methods only.
  const open = await openSocket(t, url, { path: '/public', headers: { origin: `http://localhost:${url.port}` } })
  assert.equal((await ask(open, 1, 'secret')).error?.code, RpcErrorCode.MethodNotFound)
  assert.deepEqual((await ask(open, 2, 'echo', [1])).result, [1])
})

test('WebSocket: malformed JSON is answered, an oversized frame closes only that connection, subscriptions are bounded', async (t) => {
  const { url, server } = await startServer(t, { maxFrameBytes: 4096 })
  const socket = await openSocket(t, url)
  const answer = new Promise<{ error: { code: number } }>((resolve) => socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { error: { code: number } })))
  socket.send('{ not json')
  assert.equal((await answer).error.code, RpcErrorCode.ParseError)
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) assert.ok((await ask(socket, 10 + i, 'subscribe')).result)
  const over = await ask(socket, 999, 'subscribe')
  assert.equal(over.error?.code, RpcErrorCode.LimitExceeded)

  const big = await openSocket(t, url)
  const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))
  big.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: 'x'.repeat(8192) }))
  assert.equal(await closed, 1009, 'closed as "message too big"')
  // The server and the other connection are unharmed.
  assert.deepEqual((await ask(socket, 2000, 'echo', [3])).result, [3])
  assert.equal(server.webSockets, 1)
})

test('WebSocket: a client that never reads is disconnected once its backlog passes the bound', async (t) => {
  const { url, hub, slow, server } = await startServer(t, { maxBufferedBytes: 256 * 1024 })
  const socket = await openSocket(t, url)
  await ask(socket, 1, 'subscribe')
  // Stop reading: the kernel's buffers fill, then the server's own send buffer grows.
  ;(socket as unknown as { _socket: { pause(): void } })._socket.pause()
  const tick = 'x'.repeat(16 * 1024)
  await waitFor(
    'the slow client to be cut off',
    async () => {
      for (let i = 0; i < 64; i++) hub.publish('ticks', tick)
      await new Promise((resolve) => setImmediate(resolve))
      return slow.length > 0 ? true : undefined
    },
    WAIT_MS * 3,
  )
  await waitFor('the connection to be gone', () => (server.webSockets === 0 ? true : undefined), WAIT_MS)
  assert.equal(hub.size, 0, 'its subscriptions went with it')
  const other = await openSocket(t, url)
  assert.deepEqual((await ask(other, 1, 'echo', ['still here'])).result, ['still here'])
})

test('batches over HTTP and WebSocket: an array of answers, none for notifications, the empty and the oversized batch refused', async (t) => {
  const { url } = await startServer(t)
  const auth = { authorization: `Bearer ${COOKIE}`, 'content-type': 'application/json' }
  const call = (id: number | undefined, params: unknown): object => ({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method: 'echo', params })
  const batch = JSON.stringify([call(1, { a: 1 }), call(undefined, { b: 2 }), 7, call(3, { c: 3 })])
  const answered = await http(url, { method: 'POST', headers: auth, body: batch })
  assert.equal(answered.status, 200)
  assert.deepEqual(JSON.parse(answered.body), [
    { jsonrpc: '2.0', id: 1, result: { a: 1 } },
    { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message: 'not a JSON-RPC 2.0 request' } },
    { jsonrpc: '2.0', id: 3, result: { c: 3 } },
  ])
  assert.deepEqual(await http(url, { method: 'POST', headers: auth, body: JSON.stringify([call(undefined, {})]) }), { status: 204, body: '' })
  assert.deepEqual(await http(url, { method: 'POST', headers: auth, body: JSON.stringify(call(undefined, {})) }), { status: 204, body: '' })
  const empty = await http(url, { method: 'POST', headers: auth, body: '[]' })
  assert.deepEqual(JSON.parse(empty.body), { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message: 'an empty batch' } })
  const huge = await http(url, { method: 'POST', headers: auth, body: JSON.stringify(Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => call(i, i))) })
  assert.deepEqual(JSON.parse(huge.body), { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.LimitExceeded, message: `a batch of ${MAX_BATCH_CALLS + 1} calls, limit ${MAX_BATCH_CALLS}` } })

  const socket = await openSocket(t, url)
  const messages: unknown[] = []
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())))
  socket.send(JSON.stringify([call(undefined, { quiet: true })]))
  socket.send(batch)
  await waitFor('the batch answer', () => (messages.length > 0 ? true : undefined), WAIT_MS)
  // The notification-only batch, sent first, got no answer: the one message is the second batch's.
  assert.deepEqual(messages, [JSON.parse(answered.body)])
})
