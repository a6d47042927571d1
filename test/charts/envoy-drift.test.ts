import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { ENVOY_VERSION } from '../../scripts/setup/envoy.mjs';
import { loadAgentConfig } from '../../src/agent/agent-config.js';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { parseDuration } from '../../src/common/duration.js';
import { parseJournalConfig } from '../../src/journal/journal-config.js';
import { parseSinksConfig, sinksSchema } from '../../src/sinks/sink-config.js';
import { SinkTelemetry } from '../../src/sinks/sink-telemetry.js';
import { chartDir, ciValues, find, helm, projectRoot, render, renderFailure, type Manifest } from './helm.js';
import { schemaProblem } from './kubernetes-schemas.js';
import { configMapData, container, flag, podSpec } from './pod.js';
import { workdir } from '../helpers/workdir.js';

const CI_FILES = ['minimal', 'full', 'sidecar-only', 'hardened', 'control-plane'] as const;


const chartValues = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
  agent: { port: number; image: { tag: string } };
  proxy: { image: { tag: string } };
};

t.test('helm lint --strict passes with the defaults and every ci/ values file', async (t) => {
  for (const values of [undefined, ...CI_FILES]) {
    const args = ['lint', '--strict', chartDir, ...(values ? ['--values', ciValues(values)] : [])];
    const run = helm(args);
    t.equal(run.status, 0, `lint ${values ?? 'defaults'}: ${run.stdout}${run.stderr}`);
  }
});

t.test('every manifest rendered from every ci/ values file passes the Kubernetes API schemas', async (t) => {
  const expectedKinds: Record<(typeof CI_FILES)[number], string[]> = {
    minimal: ['ConfigMap', 'Deployment', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount'],
    full: ['ConfigMap', 'Deployment', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor'],
    'sidecar-only': ['ConfigMap'],
    hardened: ['ConfigMap', 'Deployment', 'NetworkPolicy', 'Pod', 'Service', 'ServiceAccount'],
    'control-plane': ['ConfigMap', 'Deployment', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount'],
  };
  for (const values of CI_FILES) {
    const { manifests } = render({ valuesFiles: [ciValues(values)] });
    t.same([...new Set(manifests.map((m) => m.kind))].sort(), expectedKinds[values], `${values}: kinds rendered`);
    t.same(manifests.map(schemaProblem).filter(Boolean), [], `${values}: schema problems`);
  }
});

t.test('the schema check itself rejects a manifest that breaks the Kubernetes schema', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('minimal')] });
  const broken = structuredClone(find(manifests, 'Deployment')) as unknown as { spec: { replicas: unknown } } & Manifest;
  broken.spec.replicas = 'two';
  t.match(schemaProblem(broken), /replicas must be integer/);
});

t.test('the access proxy runs Envoy with the envoy-drift sidecar beside it', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('minimal')] });
  const spec = podSpec(manifests);
  t.same(spec.containers.map((c) => c.name), ['envoy', 'envoy-drift']);
  const agent = container(spec, 'envoy-drift');
  const envoy = container(spec, 'envoy');
  t.equal(agent.args?.[0], 'agent', 'the agent subcommand');

  // Envoy's admin is a unix socket in a volume that both containers mount.
  const bootstrap = parse(configMapData(manifests, 'edge-envoy-drift-bootstrap')['envoy.yaml'] ?? '') as {
    admin: { address: { pipe: { path: string } } };
  };
  const socket = bootstrap.admin.address.pipe.path;
  t.equal(flag(agent, 'admin'), `unix:${socket}`, 'the agent reads the admin socket Envoy listens on');
  const socketDir = socket.slice(0, socket.lastIndexOf('/'));
  for (const c of [agent, envoy]) {
    t.ok(c.volumeMounts?.some((m) => m.name === 'envoy-drift-admin' && m.mountPath === socketDir), `${c.name} mounts the admin socket dir`);
  }
  t.ok(spec.volumes.find((v) => v.name === 'envoy-drift-admin')?.emptyDir, 'the socket dir is an emptyDir');

  // Pod identity from the downward API.
  const identity = Object.fromEntries((agent.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
  t.same(
    { POD_NAME: identity.POD_NAME, POD_NAMESPACE: identity.POD_NAMESPACE, NODE_NAME: identity.NODE_NAME },
    { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', NODE_NAME: 'spec.nodeName' },
  );
  // Read at process start only: set on the agent's container (issue 9, footprint).
  const env = Object.fromEntries((agent.env ?? []).map((e) => [e.name, e.value]));
  t.match(env, { NODE_OPTIONS: '--max-semi-space-size=1', MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' }, "the agent's young generation and malloc arenas are capped");

  // The declared snapshot: the whole ConfigMap directory (subPath mounts never update, and the agent watches it).
  const declaredMount = agent.volumeMounts?.find((m) => m.name === 'envoy-drift-declared');
  t.equal(flag(agent, 'declared'), declaredMount?.mountPath);
  t.equal(declaredMount?.subPath, undefined, 'no subPath on the declared snapshot');
  t.equal(declaredMount?.readOnly, true);
  const declaredVolume = spec.volumes.find((v) => v.name === 'envoy-drift-declared');
  t.equal(declaredVolume?.configMap?.name, 'edge-envoy-drift-declared');
  t.equal(
    configMapData(manifests, 'edge-envoy-drift-declared')['bootstrap.yaml'],
    configMapData(manifests, 'edge-envoy-drift-bootstrap')['envoy.yaml'],
    'the proxy bootstrap is its declared snapshot',
  );
  const podAnnotations = (find(manifests, 'Deployment') as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } })
    .spec.template.metadata.annotations;
  t.ok(podAnnotations['checksum/bootstrap'], 'a new bootstrap rolls the pods');
  t.notOk(Object.keys(podAnnotations).some((k) => k.includes('declared')), 'a new declared snapshot does not: the agent watches it');

  // The rest of the agent's command line, by the contract's flag names.
  t.equal(flag(agent, 'config'), '/etc/envoy-drift/config/config.yaml');
  t.ok(agent.volumeMounts?.some((m) => m.name === 'envoy-drift-config' && m.mountPath === '/etc/envoy-drift/config'));
  t.equal(flag(agent, 'data-dir'), '/var/lib/envoy-drift');
  t.ok(spec.volumes.find((v) => v.name === 'envoy-drift-data')?.emptyDir, 'the journal is on an emptyDir by default');
  t.equal(flag(agent, 'interval'), '1s');
  t.equal(flag(agent, 'remediation'), 'observe');
  t.equal(flag(agent, 'token-file'), '/var/run/secrets/envoy-drift-agent/token');
  t.equal(spec.volumes.find((v) => v.name === 'envoy-drift-token')?.secret?.secretName, 'edge-envoy-drift-token');
});

t.test("the agent's own config loader accepts the chart's command line and config file", async (t) => {
  const dir = workdir(t, 'envoy-drift-agent-config-');
  for (const values of ['minimal', 'full', 'hardened'] as const) {
    const { manifests } = render({ valuesFiles: [ciValues(values)] });
    const agent = container(podSpec(manifests), 'envoy-drift');
    const file = join(dir, `${values}.yaml`);
    writeFileSync(file, configMapData(manifests, 'edge-envoy-drift-agent')['config.yaml'] ?? '');
    t.equal(flag(agent, 'config'), '/etc/envoy-drift/config/config.yaml');
    const flags = Object.fromEntries((agent.args ?? []).slice(1).map((arg) => /^--([^=]+)=(.*)$/.exec(arg)?.slice(1) ?? [arg, '']).filter(([name]) => name !== 'config'));
    const config = await loadAgentConfig({ file, flags, env: {} });
    t.match(config, { admin: 'unix:/var/run/envoy/admin.sock', listen: '0.0.0.0:9902', dataDir: '/var/lib/envoy-drift' }, `${values}: flags`);
    t.equal(config.tokenFile, '/var/run/secrets/envoy-drift-agent/token', `${values}: a token, as the agent wants off loopback`);
  }
  const full = parse(configMapData(render({ valuesFiles: [ciValues('full')] }).manifests, 'edge-envoy-drift-agent')['config.yaml'] ?? '') as Record<string, unknown>;
  t.match(full, { timeout: '3s', warmingGrace: '2m', logLevel: 'warn', fullCheckInterval: '10m', checkThread: 'auto' }, 'the settings without a contract flag go in the file');
});

t.test("the journal's bound fits its volume, in the agent's own journal schema", async (t) => {
  for (const values of ['minimal', 'full'] as const) {
    const { manifests } = render({ valuesFiles: [ciValues(values)] });
    const config = parse(configMapData(manifests, 'edge-envoy-drift-agent')['config.yaml'] ?? '') as { journal: unknown };
    const journal = parseJournalConfig(config.journal, 'config.yaml');
    const sizeLimit = /^(\d+)Mi$/.exec(podSpec(manifests).volumes.find((v) => v.name === 'envoy-drift-data')?.emptyDir?.sizeLimit ?? '');
    t.ok(sizeLimit, `${values}: the journal is on an emptyDir with a size limit`);
    t.ok(Number(sizeLimit?.[1]) * 1024 * 1024 >= 2 * (journal.maxBytes ?? Infinity), `${values}: the limit holds twice maxBytes (${journal.maxBytes})`);
  }
  const spec = podSpec(render({ valuesFiles: [ciValues('full')] }).manifests);
  const keyMount = container(spec, 'envoy-drift').volumeMounts?.find((m) => m.name === 'envoy-drift-journal-key');
  t.match(keyMount, { mountPath: '/var/run/secrets/envoy-drift-journal', readOnly: true }, 'the checkpoint key is a mounted Secret');
  t.equal(spec.volumes.find((v) => v.name === 'envoy-drift-journal-key')?.secret?.secretName, 'envoy-drift-journal-signing');
});

t.test('the probes point at the agent endpoint, which listens where the kubelet reaches it', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('minimal')] });
  const agent = container(podSpec(manifests), 'envoy-drift');
  const port = chartValues.agent.port;
  t.equal(flag(agent, 'listen'), `0.0.0.0:${port}`);
  const named = agent.ports?.find((p) => p.name === agent.readinessProbe?.httpGet?.port);
  t.equal(named?.containerPort, port, 'the readiness probe port is the agent port');
  t.same(agent.readinessProbe?.httpGet, { path: '/readyz', port: named?.name });
  t.same(agent.livenessProbe?.httpGet, { path: '/healthz', port: named?.name });

  const envoy = container(podSpec(manifests), 'envoy');
  t.same(envoy.readinessProbe?.httpGet, { path: '/ready', port: 'envoy-ready' }, "Envoy's readiness listener, not its admin");
  t.same(envoy.lifecycle?.preStop?.exec?.command, ['/bin/sleep', '5'], 'Envoy serves on while its endpoint is removed');
});

t.test('every container runs under the restricted security context', async (t) => {
  for (const values of ['minimal', 'full', 'hardened'] as const) {
    const spec = podSpec(render({ valuesFiles: [ciValues(values)] }).manifests);
    t.equal(spec.automountServiceAccountToken, false, `${values}: no API token in the pod`);
    t.equal(spec.enableServiceLinks, false, `${values}: no Service addresses in the environment`);
    t.match(spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, `${values}: pod`);
    for (const c of spec.containers) {
      t.match(
        c.securityContext,
        {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        `${values}: ${c.name}`,
      );
      t.notOk(c.securityContext?.privileged, `${values}: ${c.name} not privileged`);
    }
    // The volume types that the restricted Pod Security Standard allows (no hostPath).
    const allowed = new Set(['name', 'configMap', 'emptyDir', 'secret', 'persistentVolumeClaim', 'projected', 'downwardAPI']);
    t.same(spec.volumes.flatMap((v) => Object.keys(v).filter((k) => !allowed.has(k))), [], `${values}: volume types`);
  }
});

t.test('no secret value reaches the rendering: Secrets are referenced, mounted as files, never rendered', async (t) => {
  const sentinel = 'S3NT1NEL-hec-token-value';
  const { manifests, text } = render({ valuesFiles: [ciValues('full')] });
  t.notOk(manifests.some((m) => m.kind === 'Secret'), 'the chart renders no Secret');
  t.notMatch(text, /secretKeyRef/, 'no Secret reaches an environment variable');
  const spec = podSpec(manifests);
  const agent = container(spec, 'envoy-drift');
  for (const [sink, secret] of [['splunk', 'splunk-hec'], ['elastic', 'elastic-writer']] as const) {
    t.equal(spec.volumes.find((v) => v.name === `envoy-drift-sink-${sink}`)?.secret?.secretName, secret, `${sink}: its Secret is a volume`);
    t.match(agent.volumeMounts?.find((m) => m.name === `envoy-drift-sink-${sink}`), { mountPath: `/var/run/secrets/envoy-drift/${sink}`, readOnly: true });
  }
  t.notOk(container(spec, 'envoy').volumeMounts?.some((m) => m.name.startsWith('envoy-drift-sink-')), 'Envoy does not see SIEM credentials');
  const agentConfig = parse(configMapData(manifests, 'edge-envoy-drift-agent')['config.yaml'] ?? '') as { sinks: Array<Record<string, unknown>> };
  t.match(agentConfig.sinks.find((s) => s.name === 'splunk'), { type: 'splunk_hec', tokenFile: '/var/run/secrets/envoy-drift/splunk/token' });
  t.doesNotThrow(() => parseSinksConfig(agentConfig.sinks, 'config.yaml'), "the agent's own sink schema accepts the rendered sinks");

  // An inline credential is refused before anything renders, wherever it sits in a sink's settings.
  for (const [path, key] of [
    ['agent.sinks[0].settings.hecToken', 'hecToken'],
    ['agent.sinks[2].settings.auth.password', 'password'],
    ['agent.sinks[2].settings.password', 'password'],
    ['agent.sinks[0].settings.apiKey', 'apiKey'],
  ] as const) {
    const run = helm(['template', 'edge', chartDir, '--values', ciValues('full'), '--set', `${path}=${sentinel}`]);
    t.not(run.status, 0, `${path} refused`);
    t.match(run.stderr, new RegExp(`/${key}': value must be 'no inline credentials`), `${path}: the message names the field`);
    t.notMatch(run.stdout, sentinel, `${path}: the value is not rendered`);
  }
});

t.test('the values schema refuses bad values files with a message naming the key', async (t) => {
  const dir = workdir(t, 'envoy-drift-values-');
  const cases: Array<[string, string, RegExp]> = [
    ['unknown key', 'agent:\n  prot: 9902\n', /at '\/agent': additional properties 'prot' not allowed/],
    ['wrong type', 'agent:\n  port: "9902"\n', /at '\/agent\/port': got string, want integer/],
    ['bad enum', 'agent:\n  remediation: fix\n', /at '\/agent\/remediation': value must be one of 'observe', 'revert', 'approve'/],
    ['bad duration', 'agent:\n  interval: soon\n', /at '\/agent\/interval'/],
    ['unknown sink type', 'agent:\n  sinks:\n    - name: x\n      type: kafka\n', /at '\/agent\/sinks\/0\/type'/],
    ['duration the agent cannot read', 'agent:\n  fullCheckInterval: 1h30m\n', /at '\/agent\/fullCheckInterval'/],
    ['unknown top-level key', 'sidecar:\n  enabled: true\n', /additional properties 'sidecar' not allowed/],
    ['selector label', 'proxy:\n  podLabels:\n    app.kubernetes.io/instance: other\n', /podLabels\/app\.kubernetes\.io~1instance': value must be 'not settable: the chart sets this label itself'/],
  ];
  for (const [name, yaml, message] of cases) {
    const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
    writeFileSync(file, yaml);
    const run = helm(['template', 'edge', chartDir, '--values', ciValues('minimal'), '--values', file]);
    t.not(run.status, 0, `${name}: refused`);
    t.match(run.stderr, message, `${name}: ${run.stderr.trim()}`);
  }
});

t.test('the chart refuses what the schema cannot express, in one line naming the value', async (t) => {
  t.match(
    renderFailure({ setJson: ['agent.sinks=[{"name":"a","type":"stdout"},{"name":"a","type":"file"}]'] }),
    /agent\.sinks: the name "a" is used twice/,
  );
  t.match(
    renderFailure({ setJson: ['agent.journal={"storage":"persistentVolumeClaim","existingClaim":"j"}'] }),
    /agent\.journal\.storage: persistentVolumeClaim keeps one journal, so proxy\.replicaCount must be 1/,
  );
  t.match(renderFailure({ setJson: ['proxy.enabled=false'] }), /declared: without the proxy .* set declared\.files or declared\.existingConfigMap/);
  t.match(renderFailure({ setJson: ['agent.adminAddress="127.0.0.1:9901"'] }), /agent\.adminAddress: the chart's own proxy puts Envoy's admin on a unix socket/);
  t.match(renderFailure({ setJson: ['declared.files={"bootstrap.yaml":"{}"}'] }), /declared\.files: bootstrap\.yaml is the proxy's own bootstrap/);
  t.match(renderFailure({ setJson: ['agent.journal.checkpoint={"every":100,"keySecret":"","key":"key.pem"}'] }), /agent\.journal\.checkpoint\.keySecret: required/);
  t.match(renderFailure({ setJson: ['proxy.preStopSleepSeconds=30'] }), /proxy\.preStopSleepSeconds: must be shorter than proxy\.terminationGracePeriodSeconds/);
});

t.test('NOTES.txt tells which Secrets to create, and warns when Prometheus cannot reach the agent', async (t) => {
  const notes = (...args: string[]) => {
    const run = helm(['install', 'edge', chartDir, '--namespace', 'edge', '--dry-run=client', ...args]);
    t.equal(run.status, 0, run.stderr);
    return run.stdout.slice(run.stdout.indexOf('NOTES:'));
  };
  const full = notes('--values', ciValues('full'));
  t.match(full, 'kubectl -n edge create secret generic edge-drift-token');
  t.match(full, 'splunk (splunk_hec): Secret splunk-hec at /var/run/secrets/envoy-drift/splunk/');
  t.notMatch(full, 'WARNING');
  const blocked = notes('--values', ciValues('full'), '--set-json', 'networkPolicy.agentIngressFrom=[]');
  t.match(blocked, /WARNING: the ServiceMonitor is on, but networkPolicy\.agentIngressFrom is empty/);
});

t.test('the NetworkPolicy lets the pod reach only DNS, the sinks and the upstreams', async (t) => {
  interface Rule {
    ports: Array<{ port: number | string; protocol: string }>;
    to?: unknown[];
    from?: unknown[];
  }
  const policy = (values: string) =>
    (find(render({ valuesFiles: [ciValues(values)] }).manifests, 'NetworkPolicy') as unknown as {
      spec: { policyTypes: string[]; ingress: Rule[]; egress: Rule[] };
    }).spec;

  const minimal = policy('minimal');
  t.same(minimal.policyTypes, ['Ingress', 'Egress']);
  t.same(minimal.egress.flatMap((r) => r.ports.map((p) => p.port)), [53, 53], 'minimal: DNS only');
  t.same(minimal.ingress.flatMap((r) => r.ports.map((p) => p.port)), ['http', 'drift-agent'], 'minimal: the listener, and the agent port...');
  t.same(minimal.ingress[1]?.from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'envoy-drift-test', 'app.kubernetes.io/instance': 'edge' } } }], '...only for the helm test pod');

  const full = policy('full');
  const egressPorts = full.egress.flatMap((r) => r.ports.map((p) => p.port));
  t.same(egressPorts.sort(), [443, 53, 53, 6514, 8080, 8088, 9090, 9200].sort(), 'full: DNS, three sinks, two upstreams, extraEgress');
  t.same(full.egress.find((r) => r.ports.some((p) => p.port === 8088))?.to, [{ ipBlock: { cidr: '10.20.0.0/16' } }], 'the splunk sink only to its peers');
  t.ok(full.ingress.find((r) => r.ports.some((p) => p.port === 'drift-agent'))?.from, 'the agent port only from the named peers');
});

t.test('metrics: the ServiceMonitor scrapes the agent endpoint, and the PrometheusRule alerts on drift', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('full')] });
  const monitor = find(manifests, 'ServiceMonitor') as unknown as { spec: { endpoints: Array<{ port: string; path: string }>; selector: { matchLabels: Record<string, string> } } };
  t.match(monitor.spec.endpoints, [{ port: 'drift-agent', path: '/metrics' }]);
  const metricsService = find(manifests, 'Service', 'edge-envoy-drift-metrics') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: Array<{ targetPort: string }> } };
  t.match(metricsService.metadata.labels, monitor.spec.selector.matchLabels, 'the ServiceMonitor selects the metrics Service');
  t.same(metricsService.spec.ports.map((p) => p.targetPort), ['drift-agent']);
  const proxyService = find(manifests, 'Service', 'edge-envoy-drift') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: Array<{ targetPort: string }> } };
  t.same(proxyService.spec.ports.map((p) => p.targetPort), ['http'], "the proxy Service does not expose the agent");
  t.notMatch(proxyService.metadata.labels, monitor.spec.selector.matchLabels, 'and is not scraped');
  const rule = find(manifests, 'PrometheusRule') as unknown as { spec: { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> } };
  const alerts = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
  t.same(alerts, ['EnvoyDriftDetected', 'EnvoyDriftProxyUnreachable', 'EnvoyDriftSnapshotInvalid', 'EnvoyDriftSinkFailing', 'EnvoyDriftSinkBehind', 'EnvoyDriftReplicasInconsistent', 'EnvoyDriftRootUnmatched', 'EnvoyDriftAgentDown', 'EnvoyDriftRevertsFrequent']);

  // Every alert reads a metric that the agent or its sink runners register.
  const metrics = new AgentMetrics();
  new SinkTelemetry(metrics.registry);
  const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
  const used = rule.spec.groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(envoydrift_[a-z_]+)/g)].map((m) => m[1])));
  t.ok(used.length >= 5, `metrics used: ${used.join(', ')}`);
  for (const name of used.filter((n) => n !== 'envoydrift_reverts_total')) t.ok(registered.has(name ?? ''), `${name} is a metric the agent registers`);
});

t.test('the PodDisruptionBudget covers the proxy pods', async (t) => {
  const { manifests } = render({ valuesFiles: [ciValues('minimal')] });
  const pdb = find(manifests, 'PodDisruptionBudget') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable: number } };
  const deployment = find(manifests, 'Deployment') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
  t.same(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
  t.equal(pdb.spec.maxUnavailable, 1);
  const full = find(render({ valuesFiles: [ciValues('full')] }).manifests, 'PodDisruptionBudget') as unknown as { spec: Record<string, unknown> };
  t.same(Object.keys(full.spec).sort(), ['minAvailable', 'selector'], 'minAvailable replaces maxUnavailable');
});

t.test('the hardened values pin images by digest and keep the journal on the claim', async (t) => {
  const spec = podSpec(render({ valuesFiles: [ciValues('hardened')] }).manifests);
  for (const c of spec.containers) t.match(c.image, /@sha256:[0-9a-f]{64}$/, `${c.name} pinned by digest`);
  t.same(spec.volumes.find((v) => v.name === 'envoy-drift-data')?.persistentVolumeClaim, { claimName: 'envoy-drift-journal' });
  t.equal(spec.volumes.find((v) => v.name === 'envoy-drift-declared')?.configMap?.name, 'edge-declared-snapshot');
});

t.test('a team chart adds the sidecar with the envoy-drift.sidecar.* templates', async (t) => {
  const dir = workdir(t, 'envoy-drift-gateway-');
  const chart = join(dir, 'gateway');
  cpSync(join(projectRoot, 'test', 'charts', 'fixtures', 'gateway'), chart, { recursive: true });
  cpSync(chartDir, join(chart, 'charts', 'envoy-drift'), { recursive: true });

  const { manifests, text } = render({ chart });
  t.same(manifests.map(schemaProblem).filter(Boolean), [], 'schema problems');
  t.notOk(find(manifests, 'Deployment', 'edge-envoy-drift'), 'no access proxy of its own');
  const spec = podSpec(manifests, 'edge-gateway');
  t.same(spec.containers.map((c) => c.name), ['envoy', 'envoy-drift']);
  t.ok(container(spec, 'envoy').volumeMounts?.some((m) => m.name === 'envoy-drift-admin' && m.mountPath === '/var/run/envoy'), "the team's Envoy mounts the admin socket dir");
  // Every ConfigMap the sidecar mounts is rendered by the subchart in the same release.
  for (const volume of spec.volumes.filter((v) => v.name.startsWith('envoy-drift-') && v.configMap)) {
    t.ok(find(manifests, 'ConfigMap', volume.configMap?.name), `${volume.name}: ConfigMap ${volume.configMap?.name} rendered`);
  }
  t.equal(spec.volumes.find((v) => v.name === 'envoy-drift-token')?.secret?.secretName, 'gateway-drift-token');
  const policy = find(manifests, 'NetworkPolicy', 'edge-gateway') as unknown as { spec: { egress: Array<{ ports: Array<{ port: number }> }> } };
  t.same(policy.spec.egress, [{ ports: [{ port: 8088, protocol: 'TCP' }] }], 'the sink egress rules, for the team policy');
  t.notMatch(text, /^\s*$\n\s*- name: envoy-drift-/m, 'the included lists carry no blank lines');
  const lint = helm(['lint', '--strict', chart]);
  t.equal(lint.status, 0, `the team chart lints: ${lint.stdout}${lint.stderr}`);

  // An Envoy whose admin listens on loopback (Envoy Gateway, Istio) needs no shared socket dir.
  const loopback = podSpec(render({ chart, setJson: ['envoy-drift.agent.adminAddress="127.0.0.1:19000"'] }).manifests, 'edge-gateway');
  t.equal(flag(container(loopback, 'envoy-drift'), 'admin'), '127.0.0.1:19000');
  t.notOk(loopback.volumes.some((v) => v.name === 'envoy-drift-admin'), 'no admin socket volume');
  t.notOk(loopback.containers.some((c) => c.volumeMounts?.some((m) => m.name === 'envoy-drift-admin')), 'and no mount of it');
});

t.test("the values schema offers exactly the agent's sink types", async (t) => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
    properties: { agent: { properties: { sinks: { items: { properties: { type: { enum: string[] } } } } } } };
  };
  t.same(schema.properties.agent.properties.sinks.items.properties.type.enum, sinksSchema.items.properties.type.enum);
});

t.test("the values schema's durations follow the agent's one duration rule", async (t) => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as { definitions: { duration: { pattern: string } } };
  const chartRule = new RegExp(schema.definitions.duration.pattern, 'u');
  for (const text of ['500ms', '2s', '1.5m', '1h', '0s', '5', '1 s', '1d', '1m30s', '.5s']) {
    t.equal(chartRule.test(text), parseDuration(text) !== undefined, text);
  }
});

t.test('versions: the agent image is the chart appVersion, Envoy is the release the tests run', async (t) => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  t.equal(chartValues.agent.image.tag, chart.appVersion);
  t.equal(chartValues.proxy.image.tag, `v${ENVOY_VERSION}`);
  t.match(chartValues.proxy.image.tag, /^v1\.40\.\d+$/);
});

t.test('the agent image runs as the user the chart runs it as', async (t) => {
  const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  const podValues = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { proxy: { podSecurityContext: { runAsUser: number; runAsGroup: number } } };
  const { runAsUser, runAsGroup } = podValues.proxy.podSecurityContext;
  t.equal(users.at(-1), `${runAsUser}:${runAsGroup}`, 'the final stage USER is numeric and matches runAsUser:runAsGroup');
});
