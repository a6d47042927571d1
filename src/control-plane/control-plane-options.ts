import { readFile } from 'node:fs/promises';
import { configError, INVALID_MESSAGE } from '../common/config-validation.js';
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

/** `host:port` (a name, an IPv4 address or a bracketed IPv6 one; a port from 1 to 65535): the one rule for the flag, the variable and the config key. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
const ADDRESS_MESSAGE = "must be host:port of the control plane's gRPC xDS server";

/** The schema of a control-plane address in the agent's config. */
export const controlPlaneAddressSchema = { type: 'string', pattern: ADDRESS.source, [INVALID_MESSAGE]: ADDRESS_MESSAGE } as const;

/** Checks `host:port`; one line naming the flag (`--control-plane`) when it is not one. */
export function validControlPlaneAddress(origin: string, value: string): Result<string> {
  if (!ADDRESS.test(value)) return fail(configError(ErrorCodes.USAGE, { origin, pointer: '', message: ADDRESS_MESSAGE }));
  return ok(value);
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
