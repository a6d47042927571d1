import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpServer, type TestServer } from './http-server.js';

/**
 * A strict stand-in for Elasticsearch / OpenSearch `POST /_bulk`: NDJSON
 * content type, a body that must end in a newline, action and source lines in
 * pairs, `create` refusing an existing `_id` with 409
 * version_conflict_engine_exception, and per-item statuses in `items` with
 * `errors: true` when any item failed. Tests script whole-request 429s and
 * per-item failures.
 */
export class BulkServer {
  readonly indices = new Map<string, Map<string, unknown>>();
  requests = 0;
  apiKey: string | undefined;
  /** Whole-request answers for the next requests (e.g. 429), used up in order. */
  readonly scriptedRequests: number[] = [];
  /** Per `_id`: statuses to answer on its next attempts before the normal answer. */
  readonly scriptedItems = new Map<string, number[]>();
  /** `_id`s refused for good with 400 mapper_parsing_exception. */
  readonly refused = new Set<string>();
  #server: TestServer | undefined;

  async start(): Promise<string> {
    this.#server = await startHttpServer((req, res) => void this.#handle(req, res));
    return this.#server.origin;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }

  documents(index: string): Map<string, unknown> {
    return this.indices.get(index) ?? new Map();
  }

  #error(res: ServerResponse, status: number, type: string, reason: string): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { root_cause: [{ type, reason }], type, reason }, status }));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://es');
    if (req.method !== 'POST' || url.pathname !== '/_bulk') return this.#error(res, 404, 'resource_not_found_exception', `no handler for ${req.method} ${url.pathname}`);
    this.requests++;
    if (this.apiKey !== undefined && req.headers.authorization !== `ApiKey ${this.apiKey}`) return this.#error(res, 401, 'security_exception', 'unable to authenticate with provided credentials');
    const type = (req.headers['content-type'] ?? '').split(';')[0];
    if (type !== 'application/x-ndjson' && type !== 'application/json') return this.#error(res, 406, 'media_type_header_exception', `Content-Type header [${type}] is not supported`);
    const scripted = this.scriptedRequests.shift();
    if (scripted !== undefined) return this.#error(res, scripted, scripted === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception', 'scripted');
    if (!body.endsWith('\n')) return this.#error(res, 400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = body.slice(0, -1).split('\n');
    if (lines.length % 2 !== 0) return this.#error(res, 400, 'illegal_argument_exception', 'Malformed action/metadata line, expected a source line');
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i] as string) as typeof action;
        JSON.parse(lines[i + 1] as string);
      } catch {
        return this.#error(res, 400, 'x_content_parse_exception', `failed to parse line ${i + 1}`);
      }
      const [op, meta] = Object.entries(action)[0] ?? [];
      if (op !== 'create' || !meta?._index || !meta._id) return this.#error(res, 400, 'illegal_argument_exception', `expected create with _index and _id, got ${lines[i]}`);
      const { _index: index, _id: id } = meta;
      const next = this.scriptedItems.get(id)?.shift();
      const docs = this.indices.get(index) ?? new Map<string, unknown>();
      this.indices.set(index, docs);
      let item: Record<string, unknown>;
      if (next !== undefined) item = { status: next, error: { type: next === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception', reason: 'scripted' } };
      else if (this.refused.has(id)) item = { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [event.severity] of type [long]' } };
      else if (docs.has(id)) item = { status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])` } };
      else {
        docs.set(id, JSON.parse(lines[i + 1] as string));
        item = { status: 201, result: 'created', _version: 1, _shards: { total: 2, successful: 1, failed: 0 } };
      }
      if ((item.status as number) >= 300) errors = true;
      items.push({ create: { _index: index, _id: id, ...item } });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors, items }));
  }
}
