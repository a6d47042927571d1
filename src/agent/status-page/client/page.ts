import { definitions, fill, h, type Child } from './dom.js';
import { approveCommand, DRIFT_KINDS, duration, formatValue, shortHash, when } from './format.js';

/*
 * The status page's script: reads /v1/status, /v1/drift and /v1/remediations,
 * draws them, and draws them again whenever the agent's event stream says
 * something happened. It runs only while a page is open; the agent does no
 * work for it otherwise.
 */

/* The agent's JSON, as far as the page reads it. Every field may be missing. */
interface Identity { nodeId?: string; cluster?: string; version?: string; state?: string; liveRoot?: string }
interface Status {
  agent?: { version?: string; remediation?: string; dryRun?: boolean };
  proxy?: { admin?: string; reachable?: boolean; lastError?: string; identity?: Identity };
  declared?: { path?: string; root?: string; resources?: number; loadedAt?: string; lastError?: string };
  lastCheck?: { at?: string; durationMs?: number; trigger?: string; attribution?: string } | null;
  inSync?: boolean | null;
  findings?: Array<{ service?: string; resource?: string; kind?: string; firstSeen?: string; attribution?: string }>;
}
interface DriftPath { path: string; declared?: unknown; live?: unknown }
interface Drift { service: string; kind: string; resourceType: string; name: string; severity: string; reasons?: string[]; paths?: DriftPath[]; details?: string }
interface Service { name: string; inSync: boolean; severity: string | null; remediation?: string; drift?: Record<string, number> }
interface Report { inSync?: boolean; checkedAt?: string; services?: Service[]; drift?: Drift[] }
interface Proposal { id: string; service: string; mode: string; state: string; dryRun?: boolean; createdAt?: string; findings?: Array<{ key: string; kind: string; severity: string }>; history?: Array<{ state: string; at: string; by?: string; detail: string }> }
interface DriftEvent { id: string; time: string; type: string; severity: string; service?: string; resource?: { type: string; name: string }; message: string }

const EVENT_TYPES = [
  'drift.detected', 'drift.updated', 'drift.resolved', 'proxy.unreachable', 'proxy.recovered', 'snapshot.loaded', 'snapshot.invalid', 'agent.started', 'agent.stopped', 'delivery.gap', 'audit.checkpoint',
  'remediation.proposed', 'remediation.approved', 'remediation.rejected', 'remediation.applied', 'remediation.verified', 'remediation.failed', 'remediation.expired', 'remediation.halted',
];
const MAX_EVENTS = 100;

const byId = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
/** Services the reader opened: kept open across redraws. */
const open = new Set<string>();

async function getJson<T>(path: string): Promise<T | undefined> {
  try {
    const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text);
}

function hash(value: string | undefined): Child {
  return value ? h('code', { title: value }, shortHash(value) ?? '') : undefined;
}

function drawStatus(status: Status | undefined, report: Report | undefined): void {
  const verdict = byId('verdict');
  if (!status) fill(verdict, badge('agent not answering', 'drifted'));
  else if (!report) fill(verdict, 'No complete check yet');
  else fill(verdict, report.inSync ? badge('in sync', 'in-sync') : badge(`drifted: ${report.drift?.length ?? 0} finding(s)`, 'drifted'));
  const proxy = status?.proxy;
  const identity = proxy?.identity;
  definitions(byId('proxy'), [
    ['Node', identity?.nodeId],
    ['Cluster', identity?.cluster],
    ['Envoy', identity?.version],
    ['State', identity?.state],
    ['Reachable', proxy ? (proxy.reachable ? 'yes' : `no${proxy.lastError ? `: ${proxy.lastError}` : ''}`) : undefined],
    ['Admin', proxy?.admin],
    ['Live root', hash(identity?.liveRoot)],
  ]);
  const declared = status?.declared;
  definitions(byId('declared'), [
    ['Source', declared?.path],
    ['Root', hash(declared?.root)],
    ['Resources', declared?.resources],
    ['Loaded', when(declared?.loadedAt)],
    ['Last reload error', declared?.lastError ? h('span', { class: 'badge drifted' }, declared.lastError) : 'none'],
  ]);
  const check = status?.lastCheck;
  definitions(byId('check'), [
    ['At', when(check?.at)],
    ['Trigger', check?.trigger],
    ['Attribution', check?.attribution],
    ['Duration', duration(check?.durationMs)],
    ['Agent', status?.agent?.version ? `envoy-drift ${status.agent.version}, remediation ${status.agent.remediation ?? 'observe'}${status.agent.dryRun ? ' (dry run)' : ''}` : undefined],
  ]);
}

function valueCell(value: string | undefined): HTMLElement {
  return h('td', {}, value === undefined ? h('span', { class: 'absent' }, 'absent') : h('pre', {}, value));
}

function drawFinding(drift: Drift, status: Status | undefined): HTMLElement {
  const key = `${drift.resourceType}/${drift.name}`;
  const known = status?.findings?.find((f) => f.resource === key && f.service === drift.service);
  const paths = drift.paths ?? [];
  return h(
    'article',
    { class: 'finding' },
    h('h3', {}, badge(drift.severity, `sev-${drift.severity}`), ' ', `${drift.kind} ${key}`),
    known?.firstSeen ? h('p', { class: 'reasons' }, `since ${when(known.firstSeen) ?? known.firstSeen}${known.attribution ? `, ${known.attribution}` : ''}`) : null,
    drift.reasons?.length ? h('p', { class: 'reasons' }, drift.reasons.join('; ')) : null,
    drift.details ? h('p', { class: 'reasons' }, drift.details) : null,
    paths.length
      ? h(
          'table',
          { class: 'diff' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Declared'), h('th', { scope: 'col' }, 'Live'))),
          h('tbody', {}, ...paths.map((p) => h('tr', {}, h('th', { scope: 'row' }, h('code', {}, p.path || '/')), valueCell(formatValue(p.declared)), valueCell(formatValue(p.live))))),
        )
      : null,
  );
}

function drawServices(report: Report | undefined, status: Status | undefined): void {
  const body = byId('services').querySelector('tbody')!;
  const rows: HTMLElement[] = [];
  for (const service of report?.services ?? []) {
    const counts = service.drift ?? {};
    const panelId = `findings-${rows.length}`;
    const name: Child = service.inSync
      ? service.name
      : h('button', { class: 'service', type: 'button', 'aria-expanded': String(open.has(service.name)), 'aria-controls': panelId }, service.name);
    rows.push(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, name),
        h('td', {}, service.inSync ? badge('in sync', 'in-sync') : badge('drifted', 'drifted')),
        h('td', {}, service.severity ? badge(service.severity, `sev-${service.severity}`) : '–'),
        ...DRIFT_KINDS.map((kind) => h('td', { class: 'num' }, counts[kind] ?? 0)),
      ),
    );
    if (!service.inSync) {
      const panel = h('tr', { id: panelId, class: 'panel' }, h('td', { colspan: String(DRIFT_KINDS.length + 3) }, ...(report?.drift ?? []).filter((d) => d.service === service.name).map((d) => drawFinding(d, status))));
      panel.hidden = !open.has(service.name);
      rows.push(panel);
    }
  }
  fill(body, ...rows);
}

function toggle(event: Event): void {
  const button = (event.target as Element).closest('button.service');
  if (!button) return;
  const name = button.textContent ?? '';
  const expanded = button.getAttribute('aria-expanded') !== 'true';
  if (expanded) open.add(name);
  else open.delete(name);
  button.setAttribute('aria-expanded', String(expanded));
  const panel = document.getElementById(button.getAttribute('aria-controls') ?? '');
  if (panel) panel.hidden = !expanded;
}

function drawRemediation(proposals: Proposal[] | undefined, endpoint: string): void {
  const root = byId('remediation');
  if (!proposals) return fill(root, h('p', { class: 'note' }, 'Remediation list unavailable.'));
  if (proposals.length === 0) return fill(root, h('p', {}, 'No proposals.'));
  const pending = proposals.filter((p) => p.state === 'pending');
  const done = proposals.filter((p) => p.state !== 'pending');
  const item = (p: Proposal): HTMLElement => {
    const last = p.history?.at(-1);
    return h(
      'li',
      {},
      h('strong', {}, p.service), ' ', badge(p.state, p.state === 'failed' ? 'drifted' : p.state === 'pending' ? 'sev-medium' : 'in-sync'), ` ${p.mode}${p.dryRun ? ' (dry run)' : ''} `,
      h('code', {}, p.id),
      p.findings?.length ? h('div', { class: 'reasons' }, p.findings.map((f) => `${f.kind} ${f.key} (${f.severity})`).join(', ')) : null,
      last ? h('div', { class: 'reasons' }, `${last.state} ${when(last.at) ?? ''}${last.by ? ` by ${last.by}` : ''}: ${last.detail}`) : null,
      p.state === 'pending' ? h('pre', { 'aria-label': 'command that approves it' }, approveCommand(p.id, endpoint)) : null,
    );
  };
  fill(root, h('h3', {}, `Open (${pending.length})`), h('ul', {}, ...pending.map(item)), h('h3', {}, `Decided and applied (${done.length})`), h('ul', {}, ...done.map(item)));
}

function addEvent(event: DriftEvent): void {
  const list = byId('events');
  const what = event.resource ? `${event.service ?? ''} ${event.resource.type}/${event.resource.name}`.trim() : (event.service ?? '');
  const time = new Date(event.time);
  list.prepend(
    h('li', {}, h('time', { datetime: event.time }, Number.isNaN(time.getTime()) ? event.time : time.toLocaleTimeString()), h('span', {}, event.type), badge(event.severity, `sev-${event.severity}`), h('span', {}, what ? `${what}: ${event.message}` : event.message)),
  );
  while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
}

let refreshing: Promise<void> | undefined;
let again = false;

/** One refresh at a time; a request during one runs once more after it. */
function refresh(): void {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = (async () => {
    const [status, report, remediations] = await Promise.all([getJson<Status>('/v1/status'), getJson<Report>('/v1/drift'), getJson<{ remediations: Proposal[] }>('/v1/remediations')]);
    drawStatus(status, report);
    drawServices(report, status);
    // The address the reader reached the agent by (a port-forward), not the one it binds.
    drawRemediation(remediations?.remediations, location.origin);
    document.body.dataset['checkedAt'] = report?.checkedAt ?? '';
  })().finally(() => {
    refreshing = undefined;
    if (again) {
      again = false;
      refresh();
    }
  });
}

function connect(): void {
  const stream = byId('stream');
  const source = new EventSource('/v1/events');
  source.onopen = () => {
    fill(stream, 'live');
    refresh();
  };
  source.onerror = () => fill(stream, 'reconnecting…');
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      try {
        addEvent(JSON.parse((message as MessageEvent<string>).data) as DriftEvent);
      } catch {
        return;
      }
      refresh();
    });
  }
}

byId('services').addEventListener('click', toggle);
fill(byId('stream'), 'connecting…');
refresh();
connect();
