// Where the agent's steady-state CPU goes (issue 9 target 1): runs the built
// agent (dist/, npm run build first) beside Envoy with the edge config of
// bench/edge-config.mjs, under `node --cpu-prof`, and sums the profile's self
// time, from `skip` seconds after the agent is ready to its exit, by function
// and by module. The agent's node flags are those of its bin's shebang line.
//   node bench/agent-profile.mjs [seconds=90] [clusters=1000] [skip=5] [dist=dist]
// EXTRA="--trace-gc" adds node flags (the agent's stderr is then printed);
// PROFILE=0 runs without the profiler (for the per-thread CPU alone);
// AGENT_ARGS="--full-check-interval 20s" adds agent flags.
// or, to read a profile already written:
//   node bench/agent-profile.mjs --read <file.cpuprofile> [skipSeconds=0]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envoyBinary } from '../scripts/setup/envoy.mjs';
import { bootstrap } from './edge-config.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Self time (ms) of a .cpuprofile's samples taken `fromMs` after its start, by function and by module. */
export function summarize(profile, fromMs = 0) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if ((t - profile.startTime) / 1000 < fromMs) continue;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const byFunction = new Map();
  const byModule = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const [id, ms] of self) {
    const { callFrame: f } = nodes.get(id);
    const url = f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/dist\//, 'dist/');
    add(byFunction, `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`, ms);
    const module = url.startsWith('node_modules/') ? url.split('/').slice(0, url.split('/')[1].startsWith('@') ? 3 : 2).join('/') : url || f.functionName;
    add(byModule, module, ms);
  }
  const wallMs = (t - profile.startTime) / 1000 - fromMs;
  return { wallMs, totalMs: total, byFunction, byModule };
}

function print({ wallMs, totalMs, byFunction, byModule }, top = 25) {
  const idle = [...byFunction].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  console.log(`profiled ${(wallMs / 1000).toFixed(1)} s; samples ${(totalMs / 1000).toFixed(1)} s, of which busy (not idle) ${(totalMs - idle).toFixed(0)} ms = ${(((totalMs - idle) / wallMs) * 100).toFixed(2)} % of wall`);
  for (const [title, map] of [['module', byModule], ['function', byFunction]]) {
    console.log(`\n| ${title} | self ms | % of busy |\n|---|---|---|`);
    for (const [k, v] of [...map].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${k} | ${v.toFixed(1)} | ${((v / (totalMs - idle)) * 100).toFixed(1)} |`);
  }
}

/** CPU ticks (1/100 s) of each thread of a process, summed by thread name. */
function threadTicks(pid) {
  const ticks = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}${tid === String(pid) ? ' (main)' : ` ${tid}`}`;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks.set(name, (ticks.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function until(probe, what, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function profileRun(seconds, clusters, skipSeconds, dist) {
  const work = mkdtempSync(join(tmpdir(), 'envoy-drift-agent-profile-'));
  const children = [];
  try {
    const config = join(work, 'envoy.json');
    writeFileSync(config, JSON.stringify(bootstrap({ clusters, upstreamPort: await freePort(), listenPort: 0 })));
    const addressFile = join(work, 'envoy.admin');
    const envoy = spawn(envoyBinary(), ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error'], { stdio: 'ignore' });
    children.push(envoy);
    const admin = await until(async () => {
      const a = `http://${readFileSync(addressFile, 'utf8').trim()}`;
      return (await (await fetch(`${a}/ready`)).text()).trim() === 'LIVE' ? a : undefined;
    }, 'Envoy');
    const bin = resolve(dist, 'cli', 'agent-bin.js');
    const shebang = readFileSync(bin, 'utf8').split('\n')[0];
    const env = { ...process.env };
    const nodeFlags = [];
    for (const word of shebang.replace(/^#!\S*env -S /, '').split(' ')) {
      if (/^[A-Z_]+=/.test(word)) env[word.split('=')[0]] = word.split('=')[1];
      else if (word.startsWith('--')) nodeFlags.push(word);
    }
    const profiles = join(work, 'profiles');
    const started = performance.now();
    const profiling = process.env.PROFILE !== '0';
    const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
    const agent = spawn(process.execPath, [...nodeFlags, ...extra, ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []), bin, '--admin', admin, '--declared', config, '--data-dir', join(work, 'data'), '--listen', '127.0.0.1:0', '--interval', '1s', '--log-level', 'warn', ...(process.env.AGENT_ARGS ?? '').split(' ').filter(Boolean)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    let stderr = '';
    agent.stderr.on('data', (c) => (stderr += c));
    agent.stdout.on('data', (c) => (stderr += c)); // --trace-gc writes there
    const endpoint = await until(async () => /listening on (\S+)/.exec(stderr)?.[1], 'the agent');
    await until(async () => (await fetch(`${endpoint}/readyz`)).status === 200, 'the agent ready', 900_000);
    const fromMs = performance.now() - started + skipSeconds * 1000;
    await sleep(skipSeconds * 1000);
    const stderrFrom = stderr.length;
    const threadsBefore = threadTicks(agent.pid);
    await sleep(seconds * 1000);
    const threadsAfter = threadTicks(agent.pid);
    const memory = readFileSync(`/proc/${agent.pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(memory)[1]);
    const status = await (await fetch(`${endpoint}/v1/status`)).json();
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    console.log(`node flags ${nodeFlags.join(' ')}; ${clusters} clusters + routes; stats interval ${status.agent.effectiveIntervalMs} ms; last check ${JSON.stringify(status.lastCheck)}`);
    console.log(`\n| thread | CPU % over the ${seconds} s window (from /proc) |\n|---|---|`);
    let all = 0;
    for (const [name, ticks] of threadsAfter) {
      const used = ticks - (threadsBefore.get(name) ?? 0);
      all += used;
      console.log(`| ${name} | ${(used / seconds).toFixed(2)} |`);
    }
    console.log(`| all | ${(all / seconds).toFixed(2)} |`);
    console.log(`\nRSS ${(kb('VmRSS') / 1024).toFixed(1)} MB (anon ${(kb('RssAnon') / 1024).toFixed(1)}, file ${(kb('RssFile') / 1024).toFixed(1)}), peak ${(kb('VmHWM') / 1024).toFixed(1)} MB`);
    if (extra.length) console.log(`\noutput in the window:\n${stderr.slice(stderrFrom)}`);
    for (const file of profiling ? readdirSync(profiles) : []) {
      const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8'));
      console.log(`\n### ${file} (from ${(fromMs / 1000).toFixed(1)} s after spawn)`);
      print(summarize(profile, fromMs));
      if (process.env.KEEP) writeFileSync(join(process.env.KEEP, file), JSON.stringify(profile));
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--read') {
  print(summarize(JSON.parse(readFileSync(process.argv[3], 'utf8')), Number(process.argv[4] ?? 0) * 1000));
} else {
  const [seconds = 90, clusters = 1000, skip = 5] = process.argv.slice(2, 5).map(Number);
  const dist = process.argv[5] ?? 'dist';
  if (!existsSync(join(dist, 'cli', 'agent-bin.js'))) throw new Error(`${dist}: no agent bin (npm run build)`);
  await profileRun(seconds, clusters, skip, dist);
}
