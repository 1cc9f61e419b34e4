// chain needs Node >= 22 (libp2p 3). When a bin script is started by an older Node (a
// machine's default one), it runs itself again on the Node 24 that the project installs as its
// `node` dependency, forwarding signals and the exit status.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { V8_FLAGS } from './v8-flags.js'

const MINIMUM_NODE_MAJOR = 22

/** True when this process was handed over to the project's Node (the caller must do nothing more). */
export function handedToProjectNode(scriptUrl, execArgv = []) {
  if (Number(process.versions.node.split('.')[0]) >= MINIMUM_NODE_MAJOR) return false
  let projectNode
  try {
    projectNode = join(dirname(createRequire(scriptUrl).resolve('node/package.json')), 'bin', 'node')
  } catch {
    projectNode = undefined
  }
  if (projectNode === undefined || !existsSync(projectNode)) {
    console.error(`Error: chain needs Node ${MINIMUM_NODE_MAJOR} or newer (this is ${process.version}); run \`npm install\` in the project to get it`)
    process.exit(1)
  }
  const child = spawn(projectNode, [...V8_FLAGS, ...execArgv, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' })
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of forwarded) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    for (const name of forwarded) process.removeAllListeners(name)
    process.kill(process.pid, signal)
  })
  return true
}
