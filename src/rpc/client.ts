/**
 * The JSON-RPC client the commands use to talk to a running node. It finds the node through the
 * data dir: `node.json` says where the node listens, `rpc.cookie` holds the secret.
 */
import { readFile } from 'node:fs/promises'
import { ChainError } from '../errors.js'
import { MAX_RESPONSE_BYTES, type RpcResponse } from './protocol.js'

export type RpcClientErrorCode =
  | 'RPC_CLIENT_ERROR_NO_NODE' // no node.json, or its process is gone
  | 'RPC_CLIENT_ERROR_UNREACHABLE' // the node does not answer (stopped, or still starting)
  | 'RPC_CLIENT_ERROR_BAD_RESPONSE' // an answer that is not JSON-RPC
  | 'RPC_CLIENT_ERROR_REMOTE' // the node answered with an error (data.rpcCode, data.detail)

export class RpcClientError extends ChainError<RpcClientErrorCode, { rpcCode?: number; detail?: unknown }> {
  constructor(code: RpcClientErrorCode, message: string, data: { rpcCode?: number; detail?: unknown } = {}) {
    super(code, data, message)
  }
}

/** What a running node writes to `<datadir>/node.json` (docs/cli.md). */
export interface NodeInfo {
  readonly peerId: string
  readonly multiaddrs: readonly string[]
  readonly rpcUrl: string
  readonly pid: number
  readonly network: string
  /** Prometheus metrics, when the node runs with `--metrics`. */
  readonly metrics?: string
  /** The explorer page, unless the node runs with `--no-explorer`. */
  readonly explorer?: string
}

/** Time a call may take: generous, since `sendTransaction` may wait behind a block import. */
const DEFAULT_TIMEOUT_MS = 30_000

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function readNodeInfo(path: string): Promise<NodeInfo | undefined> {
  let info: Partial<NodeInfo>
  try {
    info = JSON.parse(await readFile(path, 'utf8')) as Partial<NodeInfo>
  } catch {
    return undefined
  }
  if (typeof info.rpcUrl !== 'string' || typeof info.pid !== 'number' || !processAlive(info.pid)) return undefined
  return info as NodeInfo
}

export class RpcClient {
  private nextId = 1

  constructor(
    readonly url: string,
    private readonly cookie: string,
    /** What the node wrote about itself, when found through its data dir. */
    readonly node?: NodeInfo,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  /**
   * A client for the node running on a data dir, with the cookie (the WebSocket needs it too),
   * or `undefined` when none runs there.
   */
  static async forNode(nodeInfoPath: string, cookiePath: string): Promise<{ client: RpcClient; cookie: string } | undefined> {
    const info = await readNodeInfo(nodeInfoPath)
    if (info === undefined) return undefined
    let cookie: string
    try {
      cookie = (await readFile(cookiePath, 'utf8')).trim()
    } catch {
      return undefined
    }
    return { client: new RpcClient(info.rpcUrl, cookie, info), cookie }
  }

  async call<T>(method: string, params: object = {}): Promise<T> {
    let response: Response
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.cookie}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (error) {
      // fetch's own message is "fetch failed"; why is in its cause (ECONNREFUSED, a reset).
      const cause = (error as Error).cause
      const why = cause instanceof Error ? `${(error as Error).message} (${cause.message})` : (error as Error).message
      throw new RpcClientError('RPC_CLIENT_ERROR_UNREACHABLE', `the node at ${this.url} does not answer: ${why}`)
    }
    const text = await response.text()
    if (text.length > MAX_RESPONSE_BYTES) throw new RpcClientError('RPC_CLIENT_ERROR_BAD_RESPONSE', 'the node’s answer is too large')
    let body: RpcResponse
    try {
      body = JSON.parse(text) as RpcResponse
    } catch {
      throw new RpcClientError('RPC_CLIENT_ERROR_BAD_RESPONSE', `the node answered HTTP ${response.status} without JSON`)
    }
    if ('error' in body) {
      const { code, message, data } = body.error
      throw new RpcClientError('RPC_CLIENT_ERROR_REMOTE', message, { rpcCode: code, detail: data })
    }
    if (!('result' in body)) throw new RpcClientError('RPC_CLIENT_ERROR_BAD_RESPONSE', 'the node’s answer has neither result nor error')
    return body.result as T
  }
}

