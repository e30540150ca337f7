#!/usr/bin/env node
import { main } from './index.js'

// The executable entry: bin/portcullis.js runs the compiled copy of this file.
process.exitCode = await main(process.argv.slice(2))
