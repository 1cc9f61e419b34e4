/**
 * Serving the block explorer page (docs/explorer.md): the bundle built into
 * dist/src/explorer/assets (tools/explorer/build.ts), read once at start and served
 * read-only under `/explorer/` of the RPC port, without the cookie (the RPC server has checked
 * the Host header). The page's data comes from the read-only `/public` endpoint.
 *
 * A Content-Security-Policy allows only the page's own script and connections to this node:
 * even if a chain value ever reached the page as HTML, no injected script could run or send
 * anything anywhere.
 */
import { readFile } from 'node:fs/promises'
import type { PageHandler } from '../rpc/server.js'

export const EXPLORER_PATH = '/explorer/'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
}

/** Where the build puts the bundle (dist/src/explorer/assets/). */
export const EXPLORER_ASSETS_DIR = new URL('./assets/', import.meta.url)

/** The explorer's pages, or `undefined` when this build has no bundle (the build step was skipped). */
export async function explorerPage(): Promise<PageHandler | undefined> {
  const assets = new Map<string, Buffer>()
  try {
    for (const name of Object.keys(CONTENT_TYPES)) assets.set(name, await readFile(new URL(name, EXPLORER_ASSETS_DIR)))
  } catch {
    return undefined
  }
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    const name = path === EXPLORER_PATH ? 'index.html' : path.slice(EXPLORER_PATH.length)
    const body = assets.get(name)
    if (body === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    const host = request.headers.host ?? ''
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[name]!,
      'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://${host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
    response.end(request.method === 'HEAD' ? undefined : body)
  }
}
