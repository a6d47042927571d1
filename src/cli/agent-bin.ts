#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=1
import { runBin } from './run-bin.js';

/*
 * `envoy-drift-agent …` is `envoy-drift agent …` with two settings that only
 * take effect when the process starts (bench/README.md, "Footprint (issue
 * 9)"): V8's young generation capped at 1 MB semi-spaces (the agent allocates
 * in bursts and idles; V8 otherwise keeps the young generation at the size
 * the last burst grew it to), two glibc malloc arenas instead of one per
 * thread, and glibc's mmap and trim thresholds fixed at 128 KiB: glibc
 * otherwise raises its mmap threshold after the first large free, so the
 * buffers of every later dump come from the heap and stay resident after the
 * check (14-22 MB beside 10,000 clusters). Not for `check`: a 20 MB dump wants
 * a large young generation.
 */
await runBin(['agent', ...process.argv.slice(2)]);
