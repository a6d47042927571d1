import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAgentConfig } from '../../src/agent/agent-config.js';
import { workdir } from '../helpers/workdir.js';

t.test('with --control-plane, --declared is optional; flags, environment and file agree', async (t) => {
  const config = await loadAgentConfig({ flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d', 'control-plane': 'xds.example:18000' }, env: { ENVOY_DRIFT_STALE_GRACE: '45s', ENVOY_DRIFT_NODE_ID: 'edge-7' } });
  t.equal(config.declared, undefined);
  t.match(config.controlPlane, { address: 'xds.example:18000', nodeId: 'edge-7', staleGraceMs: 45_000, timeoutMs: 5_000 });
  t.notOk(config.controlPlane && 'caFile' in config.controlPlane);
});

t.test('without either, --declared is still required; a bad address is one line naming the flag', async (t) => {
  await t.rejects(loadAgentConfig({ flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d' }, env: {} }), { code: 'ED_USAGE', message: /--declared .* is required/ });
  await t.rejects(loadAgentConfig({ flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d', 'control-plane': 'grpc://xds' }, env: {} }), { code: 'ED_USAGE', message: '--control-plane: must be host:port of the control plane\'s gRPC xDS server' });
  await t.rejects(loadAgentConfig({ flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d' }, env: { ENVOY_DRIFT_CONTROL_PLANE: 'xds:70000' } }), { message: /^environment ENVOY_DRIFT_CONTROL_PLANE: must be host:port/ }, 'the origin is named: the environment');
  await t.rejects(loadAgentConfig({ flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d', 'control-plane': 'xds:1', 'stale-grace': 'soon' }, env: {} }), { code: 'ED_USAGE', message: /--stale-grace/ });
});

t.test('a bad address in the config file is named by its file and pointer', async (t) => {
  const dir = workdir(t, 'envoy-drift-cp-config-');
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, 'controlPlane: grpc://xds\n');
  await t.rejects(loadAgentConfig({ file, flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d' }, env: {} }), { code: 'ED_USAGE', message: `${file}: /controlPlane: must be host:port of the control plane's gRPC xDS server` });
  writeFileSync(file, 'controlPlane: "[::1]:18000"\n');
  t.match((await loadAgentConfig({ file, flags: { admin: '127.0.0.1:9901', 'data-dir': '/tmp/d' }, env: {} })).controlPlane, { address: '[::1]:18000' });
});
