#!/usr/bin/env node
// The `chain` command straight from the TypeScript sources (through tsx), for development.
import { handedToProjectNode } from './project-node.js'

if (!handedToProjectNode(import.meta.url)) {
  const { register } = await import('tsx/esm/api')
  register()
  const { execute } = await import('@oclif/core')
  await execute({ development: true, dir: import.meta.url })
}
