import type { ParseArgsConfig } from 'node:util';
import { durationSetting } from '../common/duration.js';
import type { ControlPlaneOptions } from '../control-plane/control-plane-options.js';
import { validControlPlaneAddress } from '../control-plane/control-plane-options.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags `check`, `snapshot` and `agent` share for a control plane. */
export const CONTROL_PLANE_FLAGS: Options = {
  'control-plane': { type: 'string' },
  'control-plane-ca': { type: 'string' },
  'control-plane-cert': { type: 'string' },
  'control-plane-key': { type: 'string' },
  'node-id': { type: 'string' },
  'stale-grace': { type: 'string' },
};

export const CONTROL_PLANE_USAGE = `  --control-plane <host:port>  the proxy's xDS control plane (gRPC): its current resources for the
                               proxy's node are the declaration for the types the proxy subscribes to
  --control-plane-ca <file>    CA of the control plane's server certificate (TLS)
  --control-plane-cert <file>  client certificate for mutual TLS (with --control-plane-key)
  --control-plane-key <file>   its private key
  --node-id <id>               ask as this node (default: the proxy's own node, from its config dump)
  --stale-grace <dur>          a resource the proxy holds at an older version than the control plane's is
                               stale past this (default 30s)`;

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** The control-plane options from parsed flags, or undefined without --control-plane. */
export function controlPlaneOptions(values: Values, timeoutMs: number): ControlPlaneOptions | undefined {
  const address = values['control-plane'] as string | undefined;
  if (address === undefined) return undefined;
  const valid = validControlPlaneAddress('--control-plane', address);
  if (!valid.ok) throw valid.error;
  const text = (flag: string) => values[flag] as string | undefined;
  return {
    address: valid.value,
    ...(text('control-plane-ca') !== undefined ? { caFile: text('control-plane-ca')! } : {}),
    ...(text('control-plane-cert') !== undefined ? { certFile: text('control-plane-cert')! } : {}),
    ...(text('control-plane-key') !== undefined ? { keyFile: text('control-plane-key')! } : {}),
    ...(text('node-id') !== undefined ? { nodeId: text('node-id')! } : {}),
    staleGraceMs: durationSetting('--stale-grace', text('stale-grace'), 30_000),
    timeoutMs,
  };
}
