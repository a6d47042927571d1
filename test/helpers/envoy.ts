import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Agent, request, type Dispatcher } from 'undici';
// The project's own set-up script knows where it installed Envoy.
import { envoyBinary } from '../../scripts/setup/envoy.mjs';
import { eventually } from './eventually.js';

export const ENVOY_BIN = process.env['ENVOY_BIN'] ?? envoyBinary();

export interface RunningEnvoy {
  /** `http://127.0.0.1:<port>` */
  readonly admin: string;
  readonly configPath: string;
  readonly workDir: string;
  /** Stops this process and starts a new one with the given config (or the same file). */
  restart(config?: unknown): Promise<RunningEnvoy>;
  stop(): Promise<void>;
  /** Sends a signal to the Envoy process (SIGSTOP and SIGCONT freeze and thaw it). */
  signal(signal: NodeJS.Signals): void;
  log(): Promise<string>;
}

export interface StartOptions {
  /** A bootstrap object (written as YAML) or the path of a bootstrap file. */
  readonly config: unknown;
  readonly nodeId?: string;
  readonly cluster?: string;
  readonly cwd?: string;
  readonly extraArgs?: readonly string[];
  /**
   * Wait until the server is LIVE (default). A bootstrap whose control plane
   * is absent stays INITIALIZING until its fetch timeouts; with `false` the
   * helper returns as soon as the admin answers.
   */
  readonly waitForLive?: boolean;
}

/** Starts a real Envoy on loopback with free ports and waits until it is LIVE. */
export async function startEnvoy(options: StartOptions): Promise<RunningEnvoy> {
  if (!existsSync(ENVOY_BIN)) throw new Error(`no Envoy at ${ENVOY_BIN}: run npm run setup`);
  const workDir = await mkdtemp(join(tmpdir(), 'envoy-drift-envoy-'));
  let configPath: string;
  if (typeof options.config === 'string') configPath = options.config;
  else {
    configPath = join(workDir, 'envoy.yaml');
    await writeFile(configPath, stringify(options.config));
  }
  return launch(options, configPath, workDir);
}

async function launch(options: StartOptions, configPath: string, workDir: string): Promise<RunningEnvoy> {
  const adminPath = join(workDir, `admin-${Date.now()}.address`);
  const logPath = join(workDir, 'envoy.log');
  const { openSync, closeSync } = await import('node:fs');
  const logFd = openSync(logPath, 'a');
  const child = spawn(
    ENVOY_BIN,
    [
      '-c', configPath,
      '--admin-address-path', adminPath,
      '--disable-hot-restart',
      '--concurrency', '1',
      '-l', 'warning',
      '--service-node', options.nodeId ?? 'test-node',
      '--service-cluster', options.cluster ?? 'test-cluster',
      ...(options.extraArgs ?? []),
    ],
    { cwd: options.cwd ?? workDir, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const exited = async () => (child.exitCode === null ? undefined : `envoy exited with ${child.exitCode}:\n${(await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')}`);
  const address = await eventually(async () => (existsSync(adminPath) ? (await readFile(adminPath, 'utf8')).trim() : '') || undefined, 'envoy: the admin address', { timeoutMs: 20_000, abort: exited }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  // A pipe admin writes its socket path; a TCP admin its host:port.
  const admin = address.startsWith('/') ? `unix:${address}` : `http://${address}`;
  try {
    await eventually(async () => {
      const { statusCode, body } = await adminRequest(admin, '/ready', 'GET');
      const text = (await body.text()).trim();
      if (options.waitForLive === false) return statusCode === 200 || statusCode === 503;
      return statusCode === 200 && text === 'LIVE';
    }, `envoy: ${options.waitForLive === false ? 'the admin API' : 'LIVE'}`, {
      timeoutMs: 20_000,
      abort: exited,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const stopProcess = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const running: RunningEnvoy = {
    admin,
    configPath,
    workDir,
    async restart(config?: unknown) {
      await stopProcess();
      if (config !== undefined) {
        if (typeof config === 'string') return launch(options, config, workDir);
        await writeFile(configPath, stringify(config));
      }
      return launch(options, configPath, workDir);
    },
    async stop() {
      await stopProcess();
      if (!options.cwd) await rm(workDir, { recursive: true, force: true });
    },
    log: () => readFile(logPath, 'utf8'),
    signal: (signal) => void child.kill(signal),
  };
  return running;
}

/** Rewrites every listener and the admin to bind 127.0.0.1 on a free port, so tests stay on loopback and never collide. */
export function loopbackOnly(bootstrap: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(bootstrap);
  const rebind = (address: unknown) => {
    const socket = (address as { socket_address?: Record<string, unknown>; socketAddress?: Record<string, unknown> } | undefined);
    const target = socket?.socket_address ?? socket?.socketAddress;
    if (!target) return;
    target['address'] = '127.0.0.1';
    if ('port_value' in target) target['port_value'] = 0;
    if ('portValue' in target) target['portValue'] = 0;
    if (!('port_value' in target) && !('portValue' in target)) target['port_value'] = 0;
  };
  const admin = (copy['admin'] ?? {}) as Record<string, unknown>;
  copy['admin'] = admin;
  admin['address'] = { socket_address: { address: '127.0.0.1', port_value: 0 } };
  const resources = (copy['static_resources'] ?? copy['staticResources']) as { listeners?: Array<Record<string, unknown>> } | undefined;
  for (const listener of resources?.listeners ?? []) {
    rebind(listener['address']);
    for (const extra of (listener['additional_addresses'] as Array<{ address?: unknown }> | undefined) ?? []) rebind(extra.address);
  }
  return copy;
}

const socketAgents = new Map<string, Dispatcher>();

/** A request to an admin at `http://host:port` or `unix:/path`. */
export function adminRequest(admin: string, path: string, method: 'GET' | 'POST'): Promise<Dispatcher.ResponseData> {
  if (!admin.startsWith('unix:')) return request(`${admin}${path}`, { method });
  const socketPath = admin.slice('unix:'.length);
  let agent = socketAgents.get(socketPath);
  if (!agent) {
    agent = new Agent({ connect: { socketPath } });
    socketAgents.set(socketPath, agent);
  }
  return request(`http://localhost${path}`, { method, dispatcher: agent });
}

/** A POST to the admin API, as an operator's hand-made call would be. */
export async function adminPost(admin: string, path: string): Promise<string> {
  const { statusCode, body } = await adminRequest(admin, path, 'POST');
  const text = await body.text();
  if (statusCode !== 200) throw new Error(`POST ${path}: HTTP ${statusCode} ${text}`);
  return text;
}
