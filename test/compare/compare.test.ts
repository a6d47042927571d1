import t from 'tap';
import { compare } from '../../src/compare/compare.js';
import { EMPTY_MANIFEST } from '../../src/declared/manifest.js';
import { liveStateFromDump } from '../../src/envoy-admin/live-state.js';
import { ErrorCodes } from '../../src/errors.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { ResourceSetBuilder } from '../../src/resources/resource-set.js';
import { compareFromFlags } from '../../src/cli/shared.js';

const registry = envoyRegistry();
const declared = { set: new ResourceSetBuilder(registry).build(), manifest: EMPTY_MANIFEST, sources: ['test'], hashesOnly: false };
const live = liveStateFromDump({ dump: { configs: [] }, admin: 'replay', serverInfo: { version: 'abc/1.40.0/Clean/RELEASE/BoringSSL', state: 'LIVE' } }, registry);

t.test('an unknown service: the engine names the service, the command line the flag', async (t) => {
  t.throws(() => compare(declared, live, { services: ['nope'] }), { code: ErrorCodes.SERVICE_UNKNOWN, message: /^nope: no such service in the declaration or on the proxy/ });
  t.throws(() => compareFromFlags(declared, live, { services: ['nope'] }), { code: ErrorCodes.USAGE, message: /^--service nope: no such service/ });
});
