import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ciValues, find, projectRoot, render } from '../charts/helm.js';

/*
 * The deploy examples stay true to the chart: the Argo CD PostSync Job is
 * valid Kubernetes and runs exactly the chart's `helm test` command (which
 * test/charts/helm-test-hook.test.ts runs against a real Envoy), under labels
 * the chart's NetworkPolicy admits; the CI jobs write JUnit and publish it.
 */

const read = (path: string) => parse(readFileSync(join(projectRoot, 'examples', path), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const chart = render({ valuesFiles: [ciValues('minimal')] }).manifests;

t.test('the Argo CD PostSync hook is the helm test pod as a Job', async (t) => {
  const job = read('argocd/postsync-check.yaml');
  t.doesNotThrow(() => new Job(job as never).validate(), 'valid batch/v1 Job');
  t.equal(job['metadata'].annotations['argocd.argoproj.io/hook'], 'PostSync');
  const pod = find(chart, 'Pod', 'edge-envoy-drift-check') as unknown as { spec: { containers: Array<{ args: string[]; securityContext: unknown }>; volumes: unknown } };
  const container = job['spec'].template.spec.containers[0];
  t.same(container.args, pod.spec.containers[0]!.args, "the same command as the chart's helm test");
  t.same(container.securityContext, pod.spec.containers[0]!.securityContext, 'under the same security context');
  t.same(job['spec'].template.spec.volumes, pod.spec.volumes, 'with the same token mount');
  const policy = find(chart, 'NetworkPolicy') as unknown as { spec: { ingress: Array<{ from?: Array<{ podSelector?: { matchLabels: Record<string, string> } }> }> } };
  const admitted = policy.spec.ingress.flatMap((rule) => rule.from ?? []).map((peer) => peer.podSelector?.matchLabels).filter(Boolean) as Array<Record<string, string>>;
  t.ok(admitted.some((labels) => Object.entries(labels).every(([k, v]) => job['spec'].template.metadata.labels[k] === v)), 'the NetworkPolicy admits it to the agent port');
});

t.test('the CI jobs run check --format junit after the deploy and publish the report', async (t) => {
  const github = read('ci/github-actions.yml');
  const steps = github['jobs'].deploy.steps as Array<{ name?: string; run?: string; uses?: string; with?: Record<string, string> }>;
  const names = steps.map((s) => s.name ?? s.uses);
  const check = steps.find((s) => s.run?.includes('check'));
  t.ok(check && names.indexOf(check.name) > names.indexOf('Deploy'), 'GitHub: the check runs after the deploy');
  t.match(check?.run, /check \\\n\s+--admin unix:\/var\/run\/envoy\/admin\.sock --declared \/etc\/envoy-drift\/declared \\\n\s+--format junit > "reports\//);
  t.match(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report')), { if: '${{ !cancelled() }}', with: { report_paths: 'reports/*.xml' } }, 'published even when the check fails');

  const gitlab = read('ci/gitlab-ci.yml');
  const job = gitlab['envoy-drift-check'];
  t.same(job.needs, ['deploy']);
  t.match(job.script.join('\n'), /--format junit > "reports\//);
  t.same(job.artifacts, { when: 'always', reports: { junit: 'reports/*.xml' }, paths: ['reports/'] });
});
