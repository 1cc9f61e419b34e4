#!/usr/bin/env node
// The `chain` command: runs the compiled CLI from dist/ (built by `npm install`).
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
