import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { promtoolBinary } from '../../scripts/setup/prometheus.mjs';
import { AgentMetrics } from '../../src/agent/agent-metrics.js';
import { SinkTelemetry } from '../../src/sinks/sink-telemetry.js';
import { ciValues, find, render } from './helm.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The chart's fleet alerts, run by the real promtool on series that show
 * replicas agreeing, disagreeing (a stuck rollout, a hand-edited proxy) and
 * an agent gone missing; and the Grafana dashboard's queries, checked by the
 * same promtool as PromQL.
 */

const JOB = 'edge-envoy-drift-metrics';
interface Rule { alert?: string; expr: string; annotations?: Record<string, string>; labels?: Record<string, string> }
const rendered = render({ valuesFiles: [ciValues('full')] }).manifests;
const rule = find(rendered, 'PrometheusRule') as unknown as { spec: { groups: Array<{ name: string; rules: Rule[] }> } };
const rules = rule.spec.groups.flatMap((g) => g.rules);

function rootInfo(pod: string, live: string, declared: string, values = '1x40'): { series: string; values: string } {
  return { series: `envoydrift_config_root_info{namespace="edge",job="${JOB}",pod="${pod}",live_root="${live}",declared_root="${declared}"}`, values };
}

/** The alert as promtool reports it: its labels, and its annotations with $labels and $value filled in. */
function expected(alert: string, labels: Record<string, string>, value: number): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
  const source = rules.find((r) => r.alert === alert);
  if (!source) throw new Error(`no alert ${alert}`);
  const fill = (text: string) => text.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, name: string) => labels[name] ?? '').replace(/\{\{ \$value \}\}/g, String(value));
  return {
    exp_labels: { ...labels, ...source.labels },
    exp_annotations: Object.fromEntries(Object.entries(source.annotations ?? {}).map(([k, v]) => [k, fill(v)])),
  };
}

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(promtoolBinary(), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** One promtool test case: a series per replica, evaluated every minute. */
function scenario(name: string, input_series: Array<{ series: string; values: string }>, alert_rule_test: Array<ReturnType<typeof at>>) {
  return { name, interval: '1m', input_series, alert_rule_test };
}

/** At minute `minute`, `alertname` fires exactly these alerts (none: quiet). */
function at(minute: number, alertname: string, ...exp_alerts: Array<ReturnType<typeof expected>>) {
  return { eval_time: `${minute}m`, alertname, exp_alerts };
}

t.test('promtool test rules: agreement, disagreement and a missing agent', async (t) => {
  const dir = workdir(t, 'envoy-drift-promtool-');
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
  const inconsistent = 'EnvoyDriftReplicasInconsistent';
  const unmatched = 'EnvoyDriftRootUnmatched';
  const fleet = { namespace: 'edge', job: JOB };
  const tests = [
    scenario('three replicas on the declared root: quiet',
      [rootInfo('a', 'r1', 'r1'), rootInfo('b', 'r1', 'r1'), rootInfo('c', 'r1', 'r1')],
      [30, 40].flatMap((m) => [inconsistent, unmatched].map((alertname) => at(m, alertname)))),
    scenario('one replica hand-edited: inconsistent after 10m, unmatched after 15m',
      [rootInfo('a', 'r1', 'r1'), rootInfo('b', 'r1', 'r1'), rootInfo('c', 'r9', 'r1')],
      [at(5, inconsistent), at(11, inconsistent, expected(inconsistent, fleet, 2)), at(11, unmatched), at(16, unmatched, expected(unmatched, { ...fleet, pod: 'c', live_root: 'r9' }, 1))]),
    scenario('a rollout: the new replica runs the new declaration, so nothing is unmatched; stuck, it is inconsistent',
      [rootInfo('a', 'r1', 'r1'), rootInfo('b', 'r1', 'r1'), rootInfo('c', 'r2', 'r2')],
      [at(30, unmatched), at(30, inconsistent, expected(inconsistent, fleet, 2))]),
    scenario('an agent gone missing is not a disagreement; it is an agent down',
      [rootInfo('a', 'r1', 'r1'), rootInfo('b', 'r1', 'r1'), rootInfo('c', 'r9', 'r1', '1x2 stale'), { series: `up{namespace="edge",job="${JOB}",pod="c"}`, values: '1x2 0x40' }],
      [at(30, inconsistent), at(30, unmatched), at(30, 'EnvoyDriftAgentDown', expected('EnvoyDriftAgentDown', { namespace: 'edge', job: JOB, pod: 'c' }, 0))]),
  ];
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const run = promtool(['test', 'rules', 'tests.yaml'], dir);
  t.equal(run.status, 0, run.output);
  t.match(run.output, /SUCCESS/);

  // The test can fail: a wrong expectation is reported, so the passes above mean something.
  tests[1]!.alert_rule_test[1]!.exp_alerts = [];
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const wrong = promtool(['test', 'rules', 'tests.yaml'], dir);
  t.equal(wrong.status, 1);
  t.match(wrong.output, /EnvoyDriftReplicasInconsistent/);
});

t.test('the Grafana dashboard: a ConfigMap for the sidecar, off by default, whose queries are PromQL over metrics the agent registers', async (t) => {
  t.notOk(render().manifests.some((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard')), 'off by default');
  const map = find(rendered, 'ConfigMap', 'edge-envoy-drift-dashboard') as unknown as { metadata: { namespace: string; labels: Record<string, string>; annotations: Record<string, string> }; data: Record<string, string> };
  t.equal(map.metadata.labels['grafana_dashboard'], '1', 'the sidecar label');
  t.equal(map.metadata.namespace, 'monitoring');
  t.same(map.metadata.annotations, { grafana_folder: 'Envoy' });
  const dashboard = JSON.parse(map.data['envoy-drift-fleet.json']!) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  t.equal(dashboard.uid, 'envoy-drift-fleet');
  const titles = dashboard.panels.map((p) => p.title);
  for (const wanted of ['Proxies in sync', 'Proxies out of sync', 'Drifted resources by service and severity', 'Detection over time', 'Remediation over time', 'Sink lag (records)']) t.ok(titles.includes(wanted), wanted);

  const exprs = dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr));
  const metrics = new AgentMetrics();
  new SinkTelemetry(metrics.registry);
  const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
  for (const name of new Set(exprs.flatMap((e) => [...e.matchAll(/\b(envoydrift_[a-z_]+?)(?:_bucket)?\b/g)].map((m) => m[1]!)))) t.ok(registered.has(name), `${name} is a metric the agent registers`);

  const dir = workdir(t, 'envoy-drift-promtool-');
  // Grafana's variables, as Grafana would substitute them.
  const asRules = exprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr: expr.replaceAll('$namespace', '.*').replaceAll('$__rate_interval', '5m') }));
  writeFileSync(join(dir, 'dashboard.yaml'), stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
  const run = promtool(['check', 'rules', 'dashboard.yaml'], dir);
  t.equal(run.status, 0, run.output);
});
