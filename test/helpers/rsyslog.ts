import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import type { TestPki } from './certs.js';
import { acceptsConnections, freePort } from './ports.js';
import { eventually } from './eventually.js';

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Where scripts/setup/rsyslog.mjs leaves it (Debian's package), or RSYSLOGD_BIN. */
function rsyslogBinary(): string | undefined {
  return process.env.RSYSLOGD_BIN ?? ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((path) => existsSync(path));
}

export interface RsyslogOptions {
  readonly dir: string;
  readonly tls?: { readonly pki: TestPki; readonly requireClientCert: boolean };
  readonly port?: number;
  /** Also listen on a UDP port (imudp). */
  readonly udp?: boolean;
}

/**
 * A real rsyslogd on loopback in the foreground, with its own config, pid
 * file and output file. Each received message is written raw, one per line.
 * Its ruleset runs on a Direct queue, so a message is in the file before
 * rsyslog reads the end of the connection it came on.
 */
export class Rsyslog {
  readonly port: number;
  readonly udpPort: number | undefined;
  readonly output: string;
  readonly #dir: string;
  readonly #config: string;
  #child: ChildProcess | undefined;
  #stderr = '';

  private constructor(dir: string, port: number, udpPort: number | undefined, options: RsyslogOptions) {
    this.#dir = dir;
    this.port = port;
    this.udpPort = udpPort;
    this.output = join(dir, 'received.log');
    this.#config = join(dir, 'rsyslog.conf');
    const tls = options.tls;
    const global = tls
      ? `global(workDirectory="${dir}" maxMessageSize="64k" defaultNetstreamDriverCAFile="${tls.pki.caCert}" defaultNetstreamDriverCertFile="${tls.pki.serverCert}" defaultNetstreamDriverKeyFile="${tls.pki.serverKey}")`
      : `global(workDirectory="${dir}" maxMessageSize="64k")`;
    const module = tls
      ? `module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${tls.requireClientCert ? 'x509/certvalid' : 'anon'}")`
      : 'module(load="imtcp")';
    writeFileSync(
      this.#config,
      [
        global,
        module,
        'template(name="raw" type="string" string="%rawmsg%\\n")',
        'ruleset(name="in" queue.type="Direct") {',
        `  action(type="omfile" file="${this.output}" template="raw" flushOnTXEnd="on" asyncWriting="off")`,
        '}',
        `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="in")`,
        ...(udpPort === undefined ? [] : ['module(load="imudp")', `input(type="imudp" port="${udpPort}" address="127.0.0.1" ruleset="in")`]),
        '',
      ].join('\n'),
    );
  }

  static async start(options: RsyslogOptions): Promise<Rsyslog> {
    const server = new Rsyslog(options.dir, options.port ?? (await freePort()), options.udp ? await freeUdpPort() : undefined, options);
    await server.restart();
    return server;
  }

  /** Starts rsyslogd (again) on the same port, appending to the same output file. */
  async restart(): Promise<void> {
    const binary = rsyslogBinary();
    if (!binary) throw new Error('rsyslogd is not installed: run `node scripts/setup.mjs rsyslog`');
    const child = spawn(binary, ['-n', '-f', this.#config, '-i', join(this.#dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    this.#child = child;
    await eventually(() => acceptsConnections(this.port), `rsyslogd on port ${this.port}`, {
      timeoutMs: 20_000,
      abort: () => (child.exitCode !== null ? `rsyslogd exited with ${child.exitCode}: ${this.#stderr}` : undefined),
    });
  }

  /** SIGKILL, as a crash would; waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Every line rsyslog has written so far. */
  received(): string[] {
    if (!existsSync(this.output)) return [];
    return readFileSync(this.output, 'utf8').split('\n').filter((line) => line !== '');
  }
}
