#!/usr/bin/env node
// The `chain` command: runs the compiled CLI from dist/ (built by `npm install`). bin/chain
// starts it on the project's Node; started by an older Node, it hands itself over to that one.
import module from 'node:module'
import { handedToProjectNode } from './project-node.js'

if (!handedToProjectNode(import.meta.url)) {
  // Start-up is mostly compiling oclif's modules: Node keeps the compiled code in a disk cache
  // (os.tmpdir()/node-compile-cache) and reuses it at the next start.
  module.enableCompileCache?.()
  // bin/project-node.js has checked the Node version already; oclif's own check loads semver.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true'
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
