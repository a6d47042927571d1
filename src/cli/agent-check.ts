import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { request } from 'undici';
import { transportFailure } from '../common/http-failure.js';
import type { DriftReport } from '../compare/drift.js';
import { agentAnswerError } from './agent-answer.js';
import { DriftError, ErrorCodes } from '../errors.js';

/*
 * `check --agent`: the check run by the agents beside the proxies (their
 * POST /v1/check), for a deploy pipeline or a `helm test` pod that has no
 * access to the proxies' admin sockets. A host name that resolves to several
 * addresses (a headless Service) names every replica, and each is checked.
 */

export interface ReplicaReport {
  readonly replica: string;
  readonly report: DriftReport;
}

/** Every address the URL's host names, as a URL each; an IP literal is itself. */
export async function replicaUrls(agent: string): Promise<string[]> {
  let url: URL;
  try {
    url = new URL(agent);
  } catch {
    throw new DriftError(ErrorCodes.USAGE, `--agent ${agent}: not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DriftError(ErrorCodes.USAGE, `--agent ${agent}: expected http:// or https://`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [url.origin];
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    throw new DriftError(ErrorCodes.AGENT_HTTP, `--agent ${agent}: cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const port = url.port ? `:${url.port}` : '';
  return [...new Set(addresses.map((a) => `${url.protocol}//${a.family === 6 ? `[${a.address}]` : a.address}${port}`))].sort();
}

/** One POST /v1/check; any answer but a report is one error naming the replica. */
export async function checkThroughAgent(replica: string, bearer: string, timeoutMs: number): Promise<DriftReport> {
  let response;
  try {
    response = await request(`${replica}/v1/check`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const failure = transportFailure(error);
    throw new DriftError(ErrorCodes.AGENT_HTTP, `agent ${replica}: ${failure.kind === 'unreachable' ? `unreachable (${failure.reason})` : `no answer within ${timeoutMs} ms`}`, { cause: error });
  }
  const text = await response.body.text();
  if (response.statusCode !== 200) throw agentAnswerError(`${replica} POST /v1/check`, response.statusCode, text, '--token-file');
  try {
    const report = JSON.parse(text) as DriftReport;
    if (typeof report.inSync !== 'boolean' || !Array.isArray(report.services) || !Array.isArray(report.drift)) throw new Error('not a report');
    return report;
  } catch (error) {
    throw new DriftError(ErrorCodes.AGENT_HTTP, `agent ${replica}: POST /v1/check did not answer a drift report`, { cause: error });
  }
}

/**
 * One report for several replicas: each service and finding is named
 * `<replica>/<service>`, so a JUnit file holds one suite per replica and
 * service. One replica's report stays as it is.
 */
export function mergeReplicaReports(reports: readonly ReplicaReport[]): DriftReport {
  if (reports.length === 1) return reports[0]!.report;
  const first = reports[0]?.report;
  if (!first) throw new DriftError(ErrorCodes.INTERNAL, 'no replica report to merge');
  const named = (replica: string, service: string) => `${new URL(replica).host}/${service}`;
  return {
    ...first,
    inSync: reports.every((r) => r.report.inSync),
    services: reports.flatMap((r) => r.report.services.map((s) => ({ ...s, name: named(r.replica, s.name) }))),
    drift: reports.flatMap((r) => r.report.drift.map((d) => ({ ...d, service: named(r.replica, d.service) }))),
    ignored: reports.flatMap((r) => r.report.ignored.map((i) => (i.service ? { ...i, service: named(r.replica, i.service) } : i))),
  };
}
