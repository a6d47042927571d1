#!/usr/bin/env node
// Regenerates docs/images/status-page.png, the README's picture of the status
// page: a real Envoy and agent (approve mode, so a proposal shows), a runtime
// override made on the admin API, the drifted service opened, and a
// screenshot by the headless Chromium the tests use.
// Run with `npm run screenshot` (it needs the tsx loader for the test helpers);
// `npm run screenshot -- dark` writes status-page-dark.png in the dark scheme.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

const { gatewayBootstrap } = await import('../test/fixtures/gateway-bootstrap.ts');
const { adminPost, startEnvoy } = await import('../test/helpers/envoy.ts');
const { eventually, getJson, startAgent } = await import('../test/helpers/agent.ts');
const { launchChromium } = await import('../test/helpers/chromium.ts');

const scheme = process.argv[2] === 'dark' ? 'dark' : 'light';
const out = join(process.cwd(), 'docs', 'images', scheme === 'dark' ? 'status-page-dark.png' : 'status-page.png');
const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-screenshot-'));
const stops = [];
try {
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  stops.push(() => envoy.stop());
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  writeFileSync(join(dir, 'token'), 'screenshot\n');
  const agent = await startAgent(['--admin', envoy.admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--interval', '200ms', '--remediation', 'approve', '--token-file', join(dir, 'token')]);
  stops.push(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent', 30_000);
  const browser = await launchChromium(join(dir, 'profile'), { width: 1200, height: 800, colorScheme: scheme });
  stops.push(() => browser.close());
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${agent.endpoint}/`);
  await page.locator('#verdict', { hasText: 'in sync' }).waitFor({ timeout: 30_000 });
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  await adminPost(envoy.admin, '/runtime_modify?health_check.min_interval=1');
  await page.locator('#verdict', { hasText: 'drifted' }).waitFor({ timeout: 30_000 });
  await page.locator('#remediation li').first().waitFor({ timeout: 30_000 }).catch(() => undefined);
  await page.locator('button.service', { hasText: '_proxy' }).click();
  mkdirSync(join(process.cwd(), 'docs', 'images'), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
