/**
 * The `/metrics` page: Prometheus's text exposition of the node's metrics, read-only and
 * without the cookie (the RPC server has checked the Host header), as Prometheus scrapes it.
 */
import type { PageHandler } from '../rpc/server.js'
import type { NodeMetrics } from './metrics.js'

export function metricsPage(metrics: NodeMetrics): PageHandler {
  return async (_request, response) => {
    const { contentType, body } = await metrics.text()
    response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
    response.end(body)
  }
}
