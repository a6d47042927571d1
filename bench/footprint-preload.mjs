// Preloaded into the agent (main thread and, through execArgv, the check worker): writes per-isolate memory figures.
import v8 from 'node:v8';
import { writeFileSync, existsSync } from 'node:fs';
import { threadId, isMainThread } from 'node:worker_threads';
const dir = process.env.FP_PROBE_DIR ?? '/tmp/fp/probe';
const tag = `${process.pid}-${threadId}`;
let snapped = false;
const t = setInterval(() => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
  const h = v8.getHeapStatistics();
  const m = process.memoryUsage();
  writeFileSync(`${dir}/${tag}.json`, JSON.stringify({ at: Date.now(), isMainThread, memoryUsage: m, heap: h, spaces, codeStats: v8.getHeapCodeStatistics() }, null, 1));
  if (!snapped && existsSync(`${dir}/snap-now`)) { snapped = true; v8.writeHeapSnapshot(`${dir}/${tag}.heapsnapshot`); }
}, 2000);
t.unref();
