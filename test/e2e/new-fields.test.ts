import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePki, type TestPki } from '../helpers/certs.js';
import { checkJson } from '../helpers/cli.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { newFields } from '../helpers/new-fields.js';
import { bootstrap, live, reportedAt, SLOTS, TYPES, type Choice, type Json } from '../helpers/new-fields-bootstrap.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The fields Envoy's API gained after the previous registry (mid-2024), in
 * clusters, listeners, the HTTP connection manager, routes, TLS and protocol
 * options, found by diffing the two APIs. One Envoy 1.40 runs them all: a
 * cluster and a listener with every new field set, and a twin of each with
 * none. Every proto3 JSON respelling of the same values is in sync; every
 * change to one field is drift, found at that field's path.
 */
const { fields, skipped } = newFields(Object.keys(SLOTS));
const settable = fields.filter((f) => f.value !== undefined);

let envoy: RunningEnvoy;
const dir = workdir(t, 'envoy-drift-new-fields-');
let pki: TestPki;

t.before(async () => {
  pki = makePki(dir);
  envoy = await startEnvoy({ config: bootstrap(fields, pki, live) });
});
t.teardown(async () => {
  await envoy?.stop();
});

async function check(name: string, declared: Json) {
  // JSON: in YAML an enum value such as OFF, unquoted, is a boolean to Envoy and to the loader alike.
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  writeFileSync(file, JSON.stringify(declared));
  return checkJson(envoy.admin, file);
}

t.test('the new fields come from the API itself', async (t) => {
  t.ok(settable.length >= 20, `${settable.length} new fields set, ${fields.length - settable.length} repeated, ${skipped.length} left out: ${skipped.map((s) => `${s.field} (${s.reason})`).join('; ')}`);
  for (const message of ['envoy.config.cluster.v3.Cluster', 'envoy.config.listener.v3.Listener', TYPES.hcm, 'envoy.config.route.v3.RouteAction', TYPES.upstreamTls, 'envoy.config.core.v3.Http2ProtocolOptions']) {
    t.ok(settable.some((f) => f.message === message), `${message} has new fields under test`);
  }
  const { code, report } = await check('as-served', bootstrap(fields, pki, live));
  t.same(report.drift, [], 'the served config is in sync with itself');
  t.equal(code, 0);
  t.same(report.unknown, { fields: 0, types: {} }, 'every new field decoded');
});

t.test('every proto3 JSON spelling of a new field is in sync', async (t) => {
  const kinds = [...new Set(settable.flatMap((f) => f.spellings.map((s) => s.kind)))];
  for (const kind of kinds) {
    const respelled: Choice = (f) => {
      const spelling = f.spellings.find((s) => s.kind === kind);
      return spelling ? { value: spelling.value } : live(f);
    };
    const { code, report } = await check(kind, bootstrap(fields, pki, respelled));
    t.same(report.drift.flatMap((d) => d.paths ?? []), [], `${kind}: ${settable.filter((f) => f.spellings.some((s) => s.kind === kind)).map((f) => f.field).join(', ')}`);
    t.equal(code, 0, `${kind}: exit 0`);
  }
  const { code, report } = await check('defaults written out', bootstrap(fields, pki, live, (f) => (f.writtenDefault === undefined ? undefined : { value: f.writtenDefault })));
  t.same(report.drift.flatMap((d) => d.paths ?? []), [], `defaults written out: ${fields.filter((f) => f.writtenDefault !== undefined).map((f) => f.field).join(', ')}`);
  t.equal(code, 0, 'defaults written out: exit 0');
});

t.test('a real change to each new field is drift at its path', async (t) => {
  for (const field of settable) {
    const changed: Choice = (f) => (f === field ? { value: field.changed } : live(f));
    const { code, report } = await check(`changed ${field.field}`, bootstrap(fields, pki, changed));
    const where = reportedAt(field.message, field.field);
    t.equal(code, 1, `${field.message}.${field.field}: exit 1`);
    t.match(report.drift, [{ resourceType: where.resourceType, name: where.name, paths: [{ path: where.path }] }], `${field.message}.${field.field}: drift at ${where.path}`);
    t.equal(report.drift.length, 1, 'nothing else');
  }
});
