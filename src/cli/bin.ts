#!/usr/bin/env node
import { runBin } from './run-bin.js';

await runBin(process.argv.slice(2));
