import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import type { DriftEvent } from '../../src/events/event.js';

const BIN = join(process.cwd(), 'src', 'cli', 'bin.ts');

export interface RunningAgent {
  readonly endpoint: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `envoy-drift agent` as its own process and waits for its endpoint. */
export async function startAgent(args: string[], env: Record<string, string> = {}): Promise<RunningAgent> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'agent', '--listen', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start: ${stderr}`)), 30_000);
    const onData = () => {
      const match = /listening on (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}: ${stderr}`));
    });
  });
  return {
    endpoint,
    child,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `envoy-drift agent` expecting it to refuse to start; resolves with its exit code and stderr. */
export async function agentRefuses(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'agent', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await request(url);
  const text = await response.body.text();
  return { status: response.statusCode, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
}

/** Collects the agent's server-sent events from the moment of subscribing. */
export class EventStream {
  readonly events: DriftEvent[] = [];
  private readonly controller = new AbortController();
  private waiters: Array<() => void> = [];

  static async open(endpoint: string): Promise<EventStream> {
    const stream = new EventStream();
    const response = await request(`${endpoint}/v1/events`, { signal: stream.controller.signal });
    let buffer = '';
    response.body.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) {
          stream.events.push(JSON.parse(data.slice(6)) as DriftEvent);
          for (const wake of stream.waiters.splice(0)) wake();
        }
      }
    });
    response.body.on('error', () => undefined);
    return stream;
  }

  /** Resolves with the first event matching, waiting for it if need be. */
  async next(predicate: (event: DriftEvent) => boolean, timeoutMs = 15_000): Promise<DriftEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event; saw: ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  close(): void {
    this.controller.abort();
  }
}
