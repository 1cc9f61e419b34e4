/**
 * `npm run build` step: bundles the explorer page (src/explorer/app) with esbuild into the
 * directory the node serves it from (EXPLORER_ASSETS_DIR): index.html, app.js (the app with
 * uPlot) and app.css. Nothing is fetched at run time.
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { EXPLORER_ASSETS_DIR } from '../../src/explorer/serve.js'

/** dist/tools/explorer/ → the page's sources. */
const SOURCE_DIR = new URL('../../../src/explorer/app/', import.meta.url)

await mkdir(EXPLORER_ASSETS_DIR, { recursive: true })
await build({
  entryPoints: { app: fileURLToPath(new URL('entry.ts', SOURCE_DIR)) },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  outdir: fileURLToPath(EXPLORER_ASSETS_DIR),
  logLevel: 'warning',
})
await copyFile(new URL('index.html', SOURCE_DIR), new URL('index.html', EXPLORER_ASSETS_DIR))
