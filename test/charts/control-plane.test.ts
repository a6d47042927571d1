import t from 'tap';
import { loadAgentConfig } from '../../src/agent/agent-config.js';
import { ciValues, find, render, renderFailure } from './helm.js';
import { container, podSpec } from './pod.js';

/*
 * The chart points the agent at the proxy's own control plane, with the
 * proxy's xDS client certificate from its Secret, and lets the pod reach it.
 */

t.test('the agent follows the same control plane as the proxy, with its client certificate', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('control-plane')] });
  const spec = podSpec(manifests);
  const agent = container(spec, 'envoy-drift');
  const args = agent.args ?? [];
  t.ok(args.includes('--control-plane=xds.mesh-system.svc:18000'));
  t.ok(args.includes('--stale-grace=45s'));
  t.ok(args.includes('--control-plane-ca=/var/run/secrets/envoy-drift-xds/ca.crt'));
  t.ok(args.includes('--control-plane-cert=/var/run/secrets/envoy-drift-xds/tls.crt'));
  t.ok(args.includes('--control-plane-key=/var/run/secrets/envoy-drift-xds/tls.key'));
  t.match(agent.volumeMounts?.find((m) => m.name === 'envoy-drift-xds-tls'), { mountPath: '/var/run/secrets/envoy-drift-xds', readOnly: true });
  t.match(spec.volumes.find((v) => v.name === 'envoy-drift-xds-tls'), { secret: { secretName: 'edge-xds-client', defaultMode: 292 } });

  // The rendered flags are ones the agent takes.
  const flags = Object.fromEntries(args.slice(1).map((a) => a.replace(/^--/, '').split(/=(.*)/s).slice(0, 2) as [string, string]));
  const config = await loadAgentConfig({ flags, env: {} });
  t.match(config.controlPlane, { address: 'xds.mesh-system.svc:18000', caFile: '/var/run/secrets/envoy-drift-xds/ca.crt', certFile: '/var/run/secrets/envoy-drift-xds/tls.crt', staleGraceMs: 45_000 });
  t.equal(config.declared, '/etc/envoy-drift/declared', 'the declared files still cover the bootstrap');

  const policy = find(manifests, 'NetworkPolicy') as unknown as { spec: { egress: Array<{ ports: Array<{ port: number }>; to?: unknown[] }> } };
  t.match(policy.spec.egress.find((rule) => rule.ports.some((p) => p.port === 18000)), { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mesh-system' } } }] });
});

t.test('without an address nothing changes; server TLS only without the client certificate', async (t) => {
  const plain = container(podSpec(render({ valuesFiles: [ciValues('minimal')] }).manifests), 'envoy-drift');
  t.notOk((plain.args ?? []).some((a) => a.startsWith('--control-plane')));
  const serverOnly = container(podSpec(render({ valuesFiles: [ciValues('control-plane')], setJson: ['agent.controlPlane.mutualTls=false'] }).manifests), 'envoy-drift');
  t.ok((serverOnly.args ?? []).includes('--control-plane-ca=/var/run/secrets/envoy-drift-xds/ca.crt'));
  t.notOk((serverOnly.args ?? []).some((a) => a.startsWith('--control-plane-cert') || a.startsWith('--control-plane-key')));
});

t.test('the schema refuses an address that is not host:port', async (t) => {
  t.match(renderFailure({ valuesFiles: [ciValues('control-plane')], setJson: ['agent.controlPlane.address="https://xds"'] }), /controlPlane\/address|controlPlane.address/);
});
