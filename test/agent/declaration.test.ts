import t from 'tap';
import pino from 'pino';
import { Gauge, Registry } from 'prom-client';
import type { DeclaredSummary, LoadedDeclaration } from '../../src/agent/check-protocol.js';
import type { CheckRunner } from '../../src/agent/check-runner.js';
import { Declaration } from '../../src/agent/declaration.js';
import type { Intent } from '../../src/control-plane/intent.js';
import type { DeclaredSnapshot } from '../../src/declared/load-declared.js';
import { DriftError, ErrorCodes } from '../../src/errors.js';
import type { EventInput } from '../../src/events/event.js';

const summary = (contentHash: string, modes: string[] = []): DeclaredSummary => ({ path: 'declared.yaml', sources: ['declared.yaml'], resources: 3, root: `root-${contentHash}`, hashesOnly: false, contentHash, modes });
const snapshot = { hashesOnly: false } as DeclaredSnapshot;

function setup(answers: Array<LoadedDeclaration | Error>, remediation = false) {
  const requests: Array<{ remediation: boolean; knownContentHash?: string | undefined }> = [];
  const runner = {
    loadDeclared: async (_path: string, options: { remediation: boolean; knownContentHash?: string | undefined }) => {
      requests.push(options);
      const answer = answers.shift();
      if (!answer || answer instanceof Error) throw answer ?? new Error('no answer');
      return answer;
    },
    applyIntent: async () => summary('intent'),
  } as unknown as CheckRunner;
  const events: EventInput[] = [];
  const valid = new Gauge({ name: 'valid', help: 'valid', registers: [new Registry()] });
  const declaration = new Declaration({ runner, path: 'declared.yaml', remediation, valid, logger: pino({ level: 'silent' }), emit: async (input) => void events.push(input), stopping: () => false });
  return { declaration, requests, events, valid };
}

t.test('the declaration itself stays on this thread only when the worker sends it', async (t) => {
  const { declaration, requests } = setup([{ summary: summary('a') }, { summary: summary('b', ['auto']), snapshot }, { summary: summary('c') }]);
  await declaration.load();
  t.equal(declaration.snapshot, undefined, 'observing: no copy');
  t.notOk(declaration.remediating());
  t.ok(await declaration.reload());
  t.equal(declaration.snapshot, snapshot);
  t.ok(declaration.remediating(), 'the manifest names a remediating mode');
  t.ok(await declaration.reload());
  t.equal(declaration.snapshot, undefined, 'observing again: the copy is dropped');
  t.same(requests, [{ remediation: false }, { remediation: false, knownContentHash: 'a' }, { remediation: false, knownContentHash: 'b' }], 'the worker is told which content this thread has');
});

t.test('an unchanged content is no new declaration; an invalid one is reported once and the last good one stays', async (t) => {
  const invalid = new DriftError(ErrorCodes.SCHEMA, 'declared.yaml: bad');
  const { declaration, events, valid } = setup([{ summary: summary('a'), snapshot }, { summary: summary('a') }, invalid, invalid, { summary: summary('a') }], true);
  await declaration.load();
  t.notOk(await declaration.reload(), 'touched, not changed');
  t.equal(declaration.snapshot, snapshot, 'kept');
  t.notOk(await declaration.reload());
  t.notOk(await declaration.reload());
  t.notOk(declaration.valid);
  t.equal((await valid.get()).values[0]?.value, 0);
  t.match(declaration.view(), { contentHash: 'a', lastError: 'declared.yaml: bad' });
  t.notOk(await declaration.reload());
  t.ok(declaration.valid);
  t.same(events.map((e) => e.type), ['snapshot.invalid']);
});

t.test('a control plane intent replaces the summary when its content differs', async (t) => {
  const { declaration, events } = setup([]);
  const intent = { nodeId: 'n1', types: { cluster: { version: 'v1' } }, staleGraceMs: 0 } as unknown as Intent;
  t.ok(await declaration.applyIntent(intent));
  t.notOk(await declaration.applyIntent(intent));
  t.match(events, [{ type: 'snapshot.loaded', message: /version v1 for node n1/ }]);
});
