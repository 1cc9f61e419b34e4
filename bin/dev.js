#!/usr/bin/env -S node --import tsx
// The `chain` command straight from the TypeScript sources, for development.
import { execute } from '@oclif/core'

await execute({ development: true, dir: import.meta.url })
