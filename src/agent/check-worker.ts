import { parentPort } from 'node:worker_threads';
import { asDriftError } from '../errors.js';
import { handleCheckRequest } from './check-engine.js';
import type { WorkerRequest, WorkerResponse } from './check-protocol.js';

/*
 * The check worker: the check engine off the agent's event loop, so that a
 * large dump never stalls the agent's own endpoint.
 */

const port = parentPort;
if (!port) throw new Error('check-worker must run in a worker thread');

port.on('message', (request: WorkerRequest) => {
  handleCheckRequest(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies WorkerResponse),
    (error: unknown) => {
      const drift = asDriftError(error);
      port.postMessage({ id: request.id, ok: false, error: { code: drift.code, message: drift.message } } satisfies WorkerResponse);
    },
  );
});
