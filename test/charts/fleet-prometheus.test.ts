import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { prometheusBinary } from '../../scripts/setup/prometheus.mjs';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminPost, startEnvoy } from '../helpers/envoy.js';
import { getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/ports.js';
import { ciValues, find, render } from './helm.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A real Prometheus scrapes two real agents on loopback, each beside its own
 * Envoy, and evaluates the chart's own rules, rendered
 * with their waits at zero: the replicas agree; an admin override on one
 * proxy makes them disagree and leaves that proxy's root matching no
 * declaration; a stopped agent is an agent down.
 */

const JOB = 'edge-envoy-drift-metrics';

interface Alert { labels: Record<string, string>; state: string }

t.test('a real Prometheus over two agents: agreement, disagreement, an agent down', async (t) => {
  const dir = workdir(t, 'envoy-drift-prometheus-');
  const rule = find(
    render({ valuesFiles: [ciValues('full')], setJson: ['metrics.prometheusRule.replicasInconsistentFor="0s"', 'metrics.prometheusRule.rootUnmatchedFor="0s"', 'metrics.prometheusRule.agentDownFor="0s"'] }).manifests,
    'PrometheusRule',
  ) as unknown as { spec: { groups: unknown[] } };
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));

  const [one, two] = await Promise.all([startEnvoy({ config: gatewayBootstrap() }), startEnvoy({ config: gatewayBootstrap() })]);
  t.teardown(() => Promise.all([one.stop(), two.stop()]));
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  const agentArgs = (admin: string, name: string) => ['--admin', admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, name), '--interval', '200ms'];
  const agents = await Promise.all([startAgent(agentArgs(one.admin, 'a')), startAgent(agentArgs(two.admin, 'b'))]);
  t.teardown(() => Promise.all(agents.map((a) => a.stop())));
  for (const agent of agents) await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agents to be ready', 30_000);

  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yaml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [
        {
          job_name: JOB,
          static_configs: agents.map((agent, i) => ({ targets: [new URL(agent.endpoint).host], labels: { namespace: 'edge', pod: `edge-envoy-drift-${'ab'[i]}` } })),
        },
      ],
    }),
  );
  const prometheus = spawn(prometheusBinary(), [`--config.file=${join(dir, 'prometheus.yaml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prometheus.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  t.teardown(() => prometheus.kill('SIGTERM'));
  const api = `http://127.0.0.1:${port}/api/v1`;
  const firing = async (): Promise<Alert[]> => {
    const response = await request(`${api}/alerts`);
    const body = (await response.body.json()) as { data: { alerts: Alert[] } };
    return body.data.alerts.filter((a) => a.state === 'firing');
  };
  const query = async (promql: string): Promise<number | undefined> => {
    const response = await request(`${api}/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.body.json()) as { data: { result: Array<{ value: [number, string] }> } };
    return body.data.result[0] ? Number(body.data.result[0].value[1]) : undefined;
  };
  const named = (alerts: Alert[], name: string) => alerts.filter((a) => a.labels['alertname'] === name);

  await eventually(async () => ((await query(`count(envoydrift_config_root_info{job="${JOB}"})`)) === 2 ? true : undefined), `Prometheus to scrape the two agents (${log})`, 30_000);
  t.equal(await query(`count(count by (live_root) (envoydrift_config_root_info{job="${JOB}"}))`), 1, 'the two replicas agree on one live root');
  // Only the fleet alerts: on a loaded machine a 1 s scrape can time out, which the zero-wait AgentDown would report.
  const fleet = (alerts: Alert[]) => alerts.filter((a) => ['EnvoyDriftReplicasInconsistent', 'EnvoyDriftRootUnmatched'].includes(a.labels['alertname'] ?? ''));
  t.same(fleet(await firing()), [], 'no fleet alert while they agree');

  await adminPost(two.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const disagreement = await eventually(async () => {
    const alerts = await firing();
    return named(alerts, 'EnvoyDriftReplicasInconsistent').length && named(alerts, 'EnvoyDriftRootUnmatched').length ? alerts : undefined;
  }, 'the fleet alerts to fire', 30_000);
  t.match(named(disagreement, 'EnvoyDriftReplicasInconsistent'), [{ labels: { namespace: 'edge', job: JOB, severity: 'warning' } }]);
  t.same(named(disagreement, 'EnvoyDriftRootUnmatched').map((a) => a.labels['pod']), ['edge-envoy-drift-b'], 'only the overridden proxy runs a root no one declared');

  await agents[0]!.stop();
  const down = await eventually(async () => {
    const alerts = named(await firing(), 'EnvoyDriftAgentDown');
    return alerts.some((a) => a.labels['pod'] === 'edge-envoy-drift-a') ? alerts : undefined;
  }, 'the agent-down alert', 30_000);
  t.ok(down.length, 'a stopped agent is an agent down');
});
