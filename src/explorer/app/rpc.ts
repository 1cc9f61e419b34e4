/**
 * The explorer's access to the node: the read-only JSON-RPC methods at `/public` (no cookie:
 * the page holds no secret), and a WebSocket for live heads.
 */
import type { RpcApi } from '../../rpc/api.js'

export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

let nextId = 1

export async function call<Name extends keyof RpcApi>(method: Name, params: RpcApi[Name]['params']): Promise<RpcApi[Name]['result']> {
  const response = await fetch('/public', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) })
  const body = (await response.json()) as { result?: RpcApi[Name]['result']; error?: { code: number; message: string } }
  if (body.error !== undefined) throw new RpcFailure(body.error.code, body.error.message)
  return body.result as RpcApi[Name]['result']
}

/** Calls `onItem` with each notification of a `kind` subscription; reconnects when the socket drops. */
export function subscribe(kind: 'newHeads', onItem: (item: unknown) => void, onState: (live: boolean) => void): () => void {
  let socket: WebSocket | undefined
  let stopped = false
  const connect = (): void => {
    socket = new WebSocket(`ws://${location.host}/public`)
    socket.onopen = () => {
      onState(true)
      socket?.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { kind } }))
    }
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { method?: string; params?: { result: unknown } }
      if (data.method === 'subscription' && data.params !== undefined) onItem(data.params.result)
    }
    socket.onclose = () => {
      onState(false)
      if (!stopped) setTimeout(connect, 2_000)
    }
  }
  connect()
  return () => {
    stopped = true
    socket?.close()
  }
}
