import { readFile } from 'node:fs/promises';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';

/** How to reach a control plane: `host:port`, plaintext or TLS (mutual with a client certificate). */
export interface ControlPlaneOptions {
  readonly address: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Ask as this node instead of the proxy's own id. */
  readonly nodeId?: string;
  readonly staleGraceMs: number;
  readonly timeoutMs: number;
}

export interface ControlPlaneCredentials {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Checks `host:port`; one line naming the flag when it is not one. */
export function validControlPlaneAddress(flag: string, value: string): Result<string> {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    return fail(new DriftError(ErrorCodes.USAGE, `${flag} ${value}: expected host:port of the control plane's gRPC xDS server`));
  }
  return ok(value.trim());
}

/** Reads the TLS files (files only: never a secret on the command line); errors name the flag and file, never a byte of them. */
export async function readControlPlaneCredentials(options: ControlPlaneOptions): Promise<ControlPlaneCredentials> {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new DriftError(ErrorCodes.USAGE, `--control-plane-cert and --control-plane-key go together (a client certificate needs its key)`);
  }
  const read = async (flag: string, file: string | undefined): Promise<Buffer | undefined> => {
    if (file === undefined) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new DriftError(code === 'ENOENT' ? ErrorCodes.FILE_NOT_FOUND : ErrorCodes.FILE_UNREADABLE, `${flag} ${file}: cannot read (${code})`);
    }
  };
  const ca = await read('--control-plane-ca', options.caFile);
  const cert = await read('--control-plane-cert', options.certFile);
  const key = await read('--control-plane-key', options.keyFile);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
