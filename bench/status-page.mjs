// What the status page costs the agent (npm run build first; run with tsx for the test helpers):
//   node --import tsx bench/status-page.mjs [windowSeconds=10] [windows=3]
// One agent (from dist/) beside a real Envoy at a 1 s interval; its CPU time
// (utime+stime from /proc) and RSS over three windows of the same length, in
// the same run: A before anyone asked for the page, B with the page open in a
// real headless Chromium (its event stream connected), C after the page was
// closed; A and C are several windows each, compared by their medians (a V8
// memory-reducer GC lands in one window or another). A and C should not
// differ beyond noise: no work while nobody looks.
// Also prints the page's size, raw and gzipped, as served.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';

const { gatewayBootstrap } = await import('../test/fixtures/gateway-bootstrap.ts');
const { startEnvoy } = await import('../test/helpers/envoy.ts');
const { launchChromium } = await import('../test/helpers/chromium.ts');

const WINDOW_S = Number(process.argv[2] ?? 10);
const WINDOWS = Number(process.argv[3] ?? 3);
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const TICKS = 100; // USER_HZ on Linux
const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-page-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function usage(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { cpuMs, rssKiB };
}

async function window(pid, label) {
  const before = usage(pid);
  await sleep(WINDOW_S * 1000);
  const after = usage(pid);
  const cpuMs = after.cpuMs - before.cpuMs;
  console.log(`${label.padEnd(34)} cpu ${String(Math.round(cpuMs)).padStart(5)} ms / ${WINDOW_S} s (${((cpuMs / (WINDOW_S * 1000)) * 100).toFixed(2)}%)  rss ${(after.rssKiB / 1024).toFixed(1)} MiB`);
  return cpuMs;
}

const envoy = await startEnvoy({ config: gatewayBootstrap() });
let agent;
try {
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  agent = spawn(process.execPath, [join('dist', 'cli', 'bin.js'), 'agent', '--admin', envoy.admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--interval', '1s', '--listen', '127.0.0.1:0', '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const endpoint = await new Promise((resolve, reject) => {
    agent.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    agent.once('exit', (code) => reject(new Error(`agent exited ${code}: ${stderr}`)));
  });
  await sleep(5000); // the first checks and the worker's warm-up, out of the windows
  const a = [];
  for (let i = 1; i <= WINDOWS; i++) a.push(await window(agent.pid, `A${i}: nobody has asked for the page`));

  const browser = await launchChromium(join(dir, 'profile'));
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${endpoint}/`);
  await page.locator('#stream', { hasText: 'live' }).waitFor({ timeout: 30_000 });
  const b = await window(agent.pid, 'B: the page open, stream connected');
  await browser.close();
  await sleep(1000);
  const c = [];
  for (let i = 1; i <= WINDOWS; i++) c.push(await window(agent.pid, `C${i}: after the page was closed`));
  console.log(`median cpu per window: A ${median(a)} ms, B ${b} ms, C ${median(c)} ms; C/A ${(median(c) / median(a)).toFixed(2)}, B/A ${(b / median(a)).toFixed(2)}`);

  let total = 0;
  let gzipped = 0;
  for (const path of ['/', '/ui/page.js', '/ui/page.css']) {
    const body = Buffer.from(await (await fetch(`${endpoint}${path}`)).arrayBuffer());
    total += body.length;
    gzipped += gzipSync(body).length;
    console.log(`${path.padEnd(12)} ${body.length} bytes`);
  }
  console.log(`page total ${total} bytes, ${gzipped} gzipped`);
} finally {
  agent?.kill('SIGTERM');
  await envoy.stop();
  rmSync(dir, { recursive: true, force: true });
}
