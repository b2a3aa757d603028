#!/usr/bin/env node
// The `embgeo` command (package.json "bin"); the implementation is src/cli/main.ts.
import { main } from '../dist/cli/main.js'

process.exitCode = await main(process.argv.slice(2))
