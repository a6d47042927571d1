import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminPost } from '../helpers/envoy.js';
import { cli } from '../helpers/cli.js';
import { checkThroughAgent, mergeReplicaReports } from '../../src/cli/agent-check.js';
import { renderJunit } from '../../src/report/junit-report.js';
import { ciValues, find, render, type Manifest } from './helm.js';
import { schemaProblem } from './kubernetes-schemas.js';
import { AGENT_TOKEN, agentBesideEnvoy } from '../helpers/agent-beside-envoy.js';

/*
 * Every deployment re-validates: the chart's `helm test` pod, rendered and
 * checked against the Kubernetes schema, and its own command line run
 * against a real agent beside a real Envoy: in sync passes, drift fails.
 */

interface TestPod extends Manifest {
  metadata: Manifest['metadata'] & { annotations: Record<string, string> };
  spec: {
    restartPolicy: string;
    automountServiceAccountToken: boolean;
    containers: Array<{ image: string; args: string[]; securityContext: Record<string, unknown>; volumeMounts: Array<{ mountPath: string; readOnly: boolean }> }>;
    volumes: Array<{ secret?: { secretName: string } }>;
  };
}

const manifests = render({ valuesFiles: [ciValues('minimal')] }).manifests;
const pod = find(manifests, 'Pod', 'edge-envoy-drift-check') as TestPod;

t.test('the test pod: a helm test hook, valid Kubernetes, restricted, reaching every replica', async (t) => {
  t.ok(pod, 'rendered');
  t.equal(schemaProblem(pod), undefined, 'passes the Kubernetes schema');
  t.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
  t.equal(pod.spec.restartPolicy, 'Never');
  t.equal(pod.spec.automountServiceAccountToken, false, 'no Kubernetes API token');
  const [container] = pod.spec.containers;
  t.match(container!.securityContext, { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  t.same(container!.args.slice(0, 2), ['check', '--agent=http://edge-envoy-drift-metrics.edge.svc:9902']);
  t.same(pod.spec.volumes.map((v) => v.secret?.secretName), ['edge-envoy-drift-token'], "only the agent's token is mounted");
  const service = find(manifests, 'Service', 'edge-envoy-drift-metrics') as unknown as { spec: { clusterIP: string } };
  t.equal(service.spec.clusterIP, 'None', 'headless: its name resolves to every replica');
  const deployment = find(manifests, 'Deployment') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
  const selected = Object.entries(deployment.spec.selector.matchLabels).every(([k, v]) => pod.metadata.labels?.[k] === v);
  t.notOk(selected, 'nothing of the release selects the test pod');
  t.notOk(find(render({ valuesFiles: [ciValues('minimal')], setJson: ['tests={"enabled":false}'] }).manifests, 'Pod'), 'tests.enabled=false renders none');
});

t.test("the pod's command against a real agent beside a real Envoy: in sync passes, drift fails with a JUnit report", async (t) => {
  // A long interval: only the test's own POST /v1/check sees the drift.
  const { dir, tokenFile, envoy, agent } = await agentBesideEnvoy(t, { interval: '1h' });

  // The rendered arguments, with the cluster's addresses swapped for this machine's.
  const args = pod.spec.containers[0]!.args.map((arg) =>
    arg.startsWith('--agent=') ? `--agent=${agent.endpoint}` : arg.startsWith('--token-file=') ? `--token-file=${tokenFile}` : arg,
  );
  const inSync = await cli(args);
  t.equal(inSync.code, 0, inSync.stderr);
  t.match(inSync.stdout, /in sync/i);

  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const drift = await cli(args);
  t.equal(drift.code, 1, 'drift fails the helm test');
  t.match(drift.stdout, /payments\.feature_x\.enabled/);

  const junit = await cli([...args, '--format', 'junit']);
  t.equal(junit.code, 1);
  t.match(junit.stdout, /<testcase classname="envoy-drift\.test-node" name="_proxy">\s*<failure message="1 drifted resources \(medium\)"/);

  writeFileSync(join(dir, 'wrong'), 'not-the-token\n');
  const refused = await cli(args.map((arg) => (arg.startsWith('--token-file=') ? `--token-file=${join(dir, 'wrong')}` : arg)));
  t.equal(refused.code, 2, 'a wrong token is an error, not a pass');
  t.match(refused.stderr, /POST \/v1\/check: HTTP 401 ED_AGENT_UNAUTHORIZED: missing or wrong bearer token \(--token-file\)/);
  t.notMatch(refused.stderr, /\n\s+at /, 'one line, no stack');
  const multiline = await cli(args.map((arg) => (arg.startsWith('--token-file=') ? `--token-file=${join(dir, 'declared.yaml')}` : arg)));
  t.equal(multiline.code, 2);
  t.match(multiline.stderr, /declared\.yaml: the token must be one line/);

  // Several replicas: one report, each service named after its replica.
  const report = await checkThroughAgent(agent.endpoint, AGENT_TOKEN, 30_000);
  const merged = mergeReplicaReports([
    { replica: 'http://10.0.0.1:9902', report },
    { replica: 'http://10.0.0.2:9902', report: { ...report, inSync: true, drift: [], services: report.services.map((s) => ({ ...s, inSync: true, severity: null })) } },
  ]);
  t.equal(merged.inSync, false);
  t.match(renderJunit(merged), /name="10\.0\.0\.1:9902\/_proxy">\s*<failure/);
  t.match(renderJunit(merged), /name="10\.0\.0\.2:9902\/_proxy"><\/testcase>/);
});
