#!/usr/bin/env node
// The `chain` command: runs the compiled CLI from dist/ (built by `npm install`).
import { handedToProjectNode } from './project-node.js'

if (!handedToProjectNode(import.meta.url)) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
