import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { adminPost } from '../../helpers/envoy.js';
import { getJson } from '../../helpers/agent.js';
import { eventually } from '../../helpers/eventually.js';
import { launchChromium } from '../../helpers/chromium.js';
import { AGENT_TOKEN, agentBesideEnvoy } from '../../helpers/agent-beside-envoy.js';

/*
 * The status page in a real headless Chromium beside a real Envoy and agent:
 * a drift made while the page is open appears without a reload, opens from
 * the keyboard to its fields declared beside live, and markup in a name
 * Envoy reports is shown as text, never run.
 */

/** A runtime key and value that would run script if the page wrote markup. */
const HOSTILE_KEY = 'evil.<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
const HOSTILE_VALUE = '<img src=y onerror="window.pwned=3">';
const OUTPUT = join(process.cwd(), '.tap', 'status-page');

// Approve mode: drift makes a proposal the page shows with its command, never with a button.
const { dir, envoy, agent } = await agentBesideEnvoy(t, { remediation: 'approve' });

t.test('the page over HTTP: read-only, its own files only, a strict content policy', async (t) => {
  const page = await request(`${agent.endpoint}/`);
  const html = await page.body.text();
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
  t.notMatch(html, /https?:\/\//, 'no address outside the agent: it works offline');
  for (const asset of ['/ui/page.js', '/ui/page.css']) {
    const response = await request(`${agent.endpoint}${asset}`);
    const text = await response.body.text();
    t.equal(response.statusCode, 200, asset);
    t.notMatch(text, /https?:\/\/(?!www\.w3\.org)/, `${asset} loads nothing from elsewhere`);
  }
  const post = await request(`${agent.endpoint}/`, { method: 'POST' });
  await post.body.text();
  t.equal(post.statusCode, 405, 'the page takes no writes');
  t.equal((await getJson(`${agent.endpoint}/ui/other.js`)).status, 404);
});

t.test('a drift appears on the open page without a reload; its finding opens to declared beside live; markup stays text', async (t) => {
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);

  const browser = await launchChromium(join(dir, 'chromium-profile'));
  t.teardown(() => browser.close());
  const page = browser.pages()[0] ?? (await browser.newPage());
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(agent.endpoint)) elsewhere.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${agent.endpoint}/`);
  await page.locator('#verdict', { hasText: 'in sync' }).waitFor({ timeout: 30_000 });
  await page.locator('#stream', { hasText: 'live' }).waitFor();
  t.match(await page.locator('#proxy').innerText(), /Envoy\s+1\.\d+/, 'the proxy and its Envoy version');
  t.match(await page.locator('#declared').innerText(), /declared\.yaml/, 'the declaration in force');
  t.match(await page.locator('#services tbody').innerText(), /payments\s+in sync/);
  const reloads: string[] = [];
  page.on('framenavigated', (frame) => reloads.push(frame.url()));

  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  await adminPost(envoy.admin, `/runtime_modify?${encodeURIComponent(HOSTILE_KEY)}=${encodeURIComponent(HOSTILE_VALUE)}`);
  await page.locator('#verdict', { hasText: 'drifted' }).waitFor({ timeout: 30_000 });
  await page.locator('#events li', { hasText: 'drift.detected' }).first().waitFor();
  t.same(reloads, [], 'no reload: the page redrew itself from the event stream');

  const service = page.locator('button.service', { hasText: '_proxy' });
  t.equal(await service.getAttribute('aria-expanded'), 'false');
  await service.focus();
  await page.keyboard.press('Enter');
  t.equal(await service.getAttribute('aria-expanded'), 'true', 'opened from the keyboard');
  const finding = page.locator('article.finding', { hasText: 'runtime/payments.feature_x.enabled' });
  await finding.waitFor();
  const rows = await finding.locator('table.diff tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (cell) => (cell as unknown as { innerText: string }).innerText.trim())));
  t.same(rows, [['/admin_override', 'absent', '"false"']], 'the field path, declared beside live');

  const hostile = page.locator('article.finding', { hasText: 'evil.' });
  const heading = await hostile.locator('h3').innerText();
  t.ok(heading.includes(HOSTILE_KEY), 'the name is shown as the characters Envoy reported');
  t.ok((await hostile.innerText()).includes(JSON.stringify(HOSTILE_VALUE)), 'and so is the value');
  t.equal(await page.locator('img').count(), 0, 'no element made from the name or the value');
  t.equal(await page.locator('script').count(), 1, 'the page’s own script only');
  t.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined, 'nothing ran');
  await page.locator('#remediation li', { hasText: 'pending' }).first().waitFor();
  const proposal = (await getJson<{ remediations: Array<{ id: string; state: string }> }>(`${agent.endpoint}/v1/remediations`)).body.remediations.find((r) => r.state === 'pending');
  t.ok(proposal, 'the agent proposed a revert');
  t.ok((await page.locator('#remediation pre').innerText()).startsWith(`envoy-drift remediate approve ${proposal!.id} --agent ${agent.endpoint} --token-file`), 'with the command that approves it');
  t.equal(await page.locator('#remediation button, form').count(), 0, 'and no way to approve from the page');
  t.notOk((await page.content()).includes(AGENT_TOKEN), 'the token is nowhere on the page');
  t.same(errors, [], 'no script error');
  t.same(elsewhere, [], 'every request went to the agent');

  // tsx names functions with an `__name` helper that the page does not have.
  await page.evaluate('globalThis.__name = (f) => f');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const { checked, low } = await page.evaluate(lowContrast);
    t.ok(checked > 50, `${scheme}: ${checked} texts measured`);
    t.same(low, [], `${scheme}: every text meets WCAG AA contrast (4.5:1)`);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'status-page.png'), fullPage: true });

  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled');
  await adminPost(envoy.admin, `/runtime_modify?${encodeURIComponent(HOSTILE_KEY)}`);
  await page.locator('#verdict', { hasText: 'in sync' }).waitFor({ timeout: 30_000 });
  t.ok(await page.locator('#events li', { hasText: 'drift.resolved' }).count(), 'the resolution is in the event list');
});

/* The little of the DOM that lowContrast reads: declared here, the tests' own lib has no DOM. */
interface BrowserElement {
  readonly parentElement: BrowserElement | null;
  readonly childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
  readonly offsetParent: unknown;
  readonly tagName: string;
  readonly className: string;
  readonly textContent: string | null;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<BrowserElement> };
declare function getComputedStyle(element: BrowserElement): { color: string; backgroundColor: string };

/**
 * Runs in the page: every element that holds text, whose colour against its
 * nearest opaque background is under 4.5:1. Plain JS on purpose (it is
 * serialised into the browser).
 */
function lowContrast(): { checked: number; low: string[] } {
  const parse = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]: number[]): number => {
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
  };
  const background = (element: BrowserElement | null): number[] => {
    for (let e = element; e; e = e.parentElement) {
      const rgba = parse(getComputedStyle(e).backgroundColor);
      if (rgba.length === 3 || (rgba[3] ?? 0) > 0.5) return rgba;
    }
    return [255, 255, 255];
  };
  const found: string[] = [];
  let checked = 0;
  for (const element of Array.from(document.querySelectorAll('body *'))) {
    const ownText = Array.from(element.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
    if (!ownText || element.offsetParent === null) continue;
    checked++;
    const [l1, l2] = [luminance(parse(getComputedStyle(element).color)), luminance(background(element))].sort((a, b) => b - a);
    const ratio = (l1! + 0.05) / (l2! + 0.05);
    if (ratio < 4.5) found.push(`${element.tagName.toLowerCase()}.${element.className} "${(element.textContent ?? '').trim().slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return { checked, low: found };
}
