import type { AdminClient } from './admin-client.js';

/*
 * The admin answers a check reads, apart from what reads them (live-state.ts):
 * `check` sends these requests before it loads the declaration and the
 * modules that canonicalise, so Envoy starts rendering its dump at once.
 */

export interface LiveReadOptions {
  readonly includeEds?: boolean;
}

export interface AdminAnswers {
  readonly dump: unknown;
  readonly runtime?: unknown;
  readonly serverInfo?: unknown;
  readonly admin: string;
}

/** The three admin answers a check reads, fetched together. */
export async function fetchAdminAnswers(client: AdminClient, options: LiveReadOptions = {}): Promise<AdminAnswers> {
  const [dump, runtime, serverInfo] = await Promise.all([
    client.configDump(options.includeEds ? { includeEds: true } : {}),
    client.runtime(),
    client.serverInfo(),
  ]);
  return { dump, runtime, serverInfo, admin: client.address.display };
}
