// Benchmark: what a section re-check after one cluster changed costs beside
// N clusters from a CDS file + as many routes (bench/edge-config.mjs), against
// a full check, for one or more builds side by side (bench/builds.mjs), runs
// alternated. The check engine runs in a child process per build and run (as
// in the agent's check worker, without the agent's loop around it), so each
// request is measured alone: wall time, the engine's CPU (process.cpuUsage:
// all its threads) and Envoy's main-thread CPU (/proc: admin requests are
// served there, less its idle rate). CPU is what a loaded machine does not inflate: on a shared
// machine read the CPU ratio, the wall ratio on a quiet one.
//   npm run build && BUILDS=before=/work/main/dist,after=dist node bench/recheck-cost.mjs [clusters=10000] [rechecks=5] [runs=2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builds, median } from './builds.mjs';
import { bootstrap, cdsFile } from './edge-config.mjs';
import { startEnvoy } from './envoy.mjs';

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--child') await child(...rest);
else await parent(Number(mode ?? 10_000), Number(rest[0] ?? 5), Number(rest[1] ?? 2));

async function parent(clusters, rechecks, runs) {
  const rows = [];
  for (let run = 0; run < runs; run++) {
    for (const build of run % 2 ? [...builds()].reverse() : builds()) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', build.dist, String(clusters), String(rechecks)], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
      rows.push({ run: run + 1, build: build.label, load: loadavg()[0], ...JSON.parse(out.trim().split('\n').at(-1)) });
    }
  }
  const f = (n) => Math.round(n).toLocaleString('en-US');
  const cost = (c) => `${f(c.wallMs)} / ${f(c.cpuMs)} / ${f(c.envoyCpuMs)}`;
  console.log(`\n## Re-check after one cluster changed beside ${clusters} clusters (CDS file) + as many routes (ms: wall / engine CPU / Envoy main-thread CPU above its idle rate)\n`);
  console.log('| run | build | load avg | Envoy main thread idle (ms/s) | full, cold cache | full, warm cache | re-check (median of ' + rechecks + ') | wall: re-check / warm full | CPU (engine + Envoy): re-check / warm full |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratioWall = (r.recheck.wallMs / r.warm.wallMs) * 100;
    const ratioCpu = ((r.recheck.cpuMs + r.recheck.envoyCpuMs) / (r.warm.cpuMs + r.warm.envoyCpuMs)) * 100;
    console.log(`| ${r.run} | ${r.build} | ${r.load.toFixed(1)} | ${f(r.idleMsPerS)} | ${cost(r.cold)} | ${cost(r.warm)} | ${cost(r.recheck)} | ${ratioWall.toFixed(1)} % | ${ratioCpu.toFixed(1)} % |`);
  }
  for (const r of rows) console.log(`run ${r.run} ${r.build}: re-checks ${r.rechecks.map(cost).join('; ')}; requests of the last: ${r.requests.join(' | ')}`);
}

async function child(dist, clustersText, rechecksText) {
  const clusters = Number(clustersText);
  const work = mkdtempSync(join(tmpdir(), 'envoy-drift-recheck-'));
  try {
    writeFileSync(join(work, 'envoy.json'), JSON.stringify(bootstrap({ clusters, upstreamPort: 1, listenPort: 0, cdsPath: join(work, 'cds.json') })));
    writeFileSync(join(work, 'cds.json'), cdsFile(clusters));
    mkdirSync(join(work, 'declared'));
    for (const file of ['envoy.json', 'cds.json']) copyFileSync(join(work, file), join(work, 'declared', file));
    const envoy = await startEnvoy(join(work, 'envoy.json'), work, { timeoutMs: 600_000 });
    try {
      // Envoy serves its admin on its main thread, whose id is the process id.
      const envoyCpu = () => {
        const stat = readFileSync(`/proc/${envoy.child.pid}/task/${envoy.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(stat[11]) + Number(stat[12])) * 10;
      };
      const { AdminClient } = await import(join(dist, 'envoy-admin', 'admin-client.js'));
      const requests = [];
      for (const method of ['configDump', 'serverInfo', 'runtime']) {
        const original = AdminClient.prototype[method];
        AdminClient.prototype[method] = async function (...args) {
          const started = performance.now();
          try {
            return await original.apply(this, args);
          } finally {
            requests.push(`${method}${args[0] ? JSON.stringify(args[0]) : ''} ${Math.round(performance.now() - started)} ms`);
          }
        };
      }
      const { handleCheckRequest } = await import(join(dist, 'agent', 'check-engine.js'));
      const cpu = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      // Envoy's main thread is busy without us (health checks, the 1 s stats flush of every cluster's stats): its own rate, measured idle, is taken out.
      let idleRate = 0;
      const measure = async (request) => {
        const [wall, own, proxy] = [performance.now(), cpu(), envoyCpu()];
        const summary = await handleCheckRequest(request);
        const wallMs = performance.now() - wall;
        return { wallMs, cpuMs: cpu() - own, envoyCpuMs: Math.max(0, envoyCpu() - proxy - idleRate * wallMs), summary };
      };
      const idle = async () => {
        const [wall, proxy] = [performance.now(), envoyCpu()];
        await new Promise((r) => setTimeout(r, 5000));
        return (envoyCpu() - proxy) / (performance.now() - wall);
      };
      await handleCheckRequest({ id: 1, type: 'init', admin: envoy.admin, timeoutMs: 600_000, warmingGraceMs: 60_000, defaultRemediation: 'observe' });
      await handleCheckRequest({ id: 2, type: 'load', path: join(work, 'declared'), remediation: false });
      idleRate = await idle();
      const cold = await measure({ id: 3, type: 'check', includeLive: false });
      const warm = await measure({ id: 4, type: 'check', includeLive: false });
      const rechecks = [];
      for (let i = 0; i < Number(rechecksText); i++) {
        // The next cluster changed, the one before put back: one or two clusters move each time.
        const updates = async () => Number(/: (\d+)/.exec(await (await fetch(`${envoy.admin}/stats?filter=^cluster_manager\\.cds\\.update_success$`)).text())?.[1]);
        const before = await updates();
        writeFileSync(join(work, 'cds.next'), cdsFile(clusters, 7 + i));
        renameSync(join(work, 'cds.next'), join(work, 'cds.json'));
        while ((await updates()) <= before) await new Promise((r) => setTimeout(r, 100));
        requests.length = 0;
        const result = await measure({ id: 10 + i, type: 'check', includeLive: false, sections: ['clusters'] });
        if (result.summary.sections?.join() !== 'clusters') throw new Error('not a section re-check');
        if (!result.summary.report.drift.some((d) => d.name === `svc-${7 + i}`)) throw new Error(`svc-${7 + i}: change not found`);
        rechecks.push(result);
      }
      const pick = ({ wallMs, cpuMs, envoyCpuMs }) => ({ wallMs, cpuMs, envoyCpuMs });
      const mid = (key) => median(rechecks.map((r) => r[key]));
      console.log(JSON.stringify({ idleMsPerS: idleRate * 1000, cold: pick(cold), warm: pick(warm), recheck: { wallMs: mid('wallMs'), cpuMs: mid('cpuMs'), envoyCpuMs: mid('envoyCpuMs') }, rechecks: rechecks.map(pick), requests }));
    } finally {
      envoy.child.kill();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}
