// What each admin call the agent may make costs Envoy, beside the realistic
// edge config (bench/edge-config.mjs) with N clusters + N routes, Envoy
// `--concurrency 1`. Envoy serves its admin on its main thread (the one that
// also applies config and runs health checks), so the time to answer on
// loopback, over one kept-alive connection, is main-thread time; `/ready`
// (an empty answer) is the floor of a round trip. Median and minimum of
// `calls` calls each, calls spaced by 50 ms.
//   node bench/admin-cost.mjs [clusters=1000,10000] [calls=20]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WATCHED_STATS } from '../dist/agent/stats-poller.js';
import { envoyBinary } from '../scripts/setup/envoy.mjs';
import { median } from './builds.mjs';
import { bootstrap } from './edge-config.mjs';

const SIZES = (process.argv[2] ?? '1000,10000').split(',').map(Number);
const CALLS = Number(process.argv[3] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-admin-cost-'));
const filter = encodeURIComponent(WATCHED_STATS);
const CALLS_MADE = [
  ['/ready', 'round trip floor'],
  ['/runtime', 'agent, every interval'],
  ['/server_info', 'agent, on a new connection'],
  [`/stats?format=json&usedonly&filter=${filter}`, 'agent, stats scan (paced)'],
  [`/stats?format=json&filter=${filter}`, 'stats scan without usedonly'],
  [`/stats?format=json&usedonly&type=Gauges&filter=${filter}`, 'stats scan, gauges only'],
  ['/config_dump', 'a check'],
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (origin, path) => new Promise((resolve, reject) => {
    http.get(`${origin}${path}`, { agent }, (res) => { let size = 0; res.on('data', (c) => (size += c.length)); res.on('end', () => resolve(size)); }).on('error', reject);
  });
  for (const clusters of SIZES) {
    const config = join(work, `envoy-${clusters}.json`);
    writeFileSync(config, JSON.stringify(bootstrap({ clusters, upstreamPort: 1, listenPort: 0 })));
    const addressFile = join(work, `admin-${clusters}`);
    const child = spawn(envoyBinary(), ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error'], { stdio: 'ignore' });
    try {
      let origin;
      for (const deadline = Date.now() + 600_000; Date.now() < deadline && !origin; await sleep(200)) {
        if (!existsSync(addressFile) || !readFileSync(addressFile, 'utf8').trim()) continue;
        const candidate = `http://${readFileSync(addressFile, 'utf8').trim()}`;
        if ((await (await fetch(`${candidate}/ready`).catch(() => undefined))?.text())?.trim() === 'LIVE') origin = candidate;
      }
      await sleep(5_000); // past the first health-check round
      console.log(`\n## Admin calls beside ${clusters} clusters + ${clusters} routes (${CALLS} calls each)\n\n| call | used by | median | min | answer |\n|---|---|---|---|---|`);
      for (const [path, use] of CALLS_MADE) {
        const times = [];
        let size = 0;
        for (let i = 0; i < (path === '/config_dump' ? Math.min(CALLS, 5) : CALLS); i++) {
          const start = performance.now();
          size = await get(origin, path);
          times.push(performance.now() - start);
          await sleep(50);
        }
        console.log(`| \`${path.length > 60 ? `${path.slice(0, path.indexOf('filter=') + 7)}<the agent's regex>` : path}\` | ${use} | ${median(times).toFixed(2)} ms | ${Math.min(...times).toFixed(2)} ms | ${size} B |`);
      }
    } finally {
      child.kill('SIGTERM');
    }
  }
  agent.destroy();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
