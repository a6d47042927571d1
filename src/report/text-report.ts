import type { JsonValue } from '../canonical/canonical-json.js';
import type { Drift, DriftReport } from '../compare/drift.js';
import type { Severity } from '../common/severity-levels.js';
import type { Palette } from './colour.js';

const VALUE_WIDTH = 160;

function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

function severityLabel(severity: Severity, c: Palette): string {
  const label = `[${severity}]`;
  return severity === 'critical' || severity === 'high' ? c.red(label) : severity === 'medium' ? c.yellow(label) : c.dim(label);
}

function describeDrift(d: Drift, c: Palette): string[] {
  const lines = [`  ${severityLabel(d.severity, c)} ${c.bold(d.service)}  ${d.resourceType} ${d.name}  ${d.kind}`];
  if (d.details) lines.push(`      ${d.details}`);
  for (const reason of d.reasons) lines.push(`      ${c.dim('why:')} ${reason}`);
  // A stale resource's paths say what the proxy still serves against the control plane's version.
  if (d.kind === 'modified' || d.kind === 'stale') {
    if (d.paths.length === 0) lines.push(`      ${c.dim('hash')} ${d.declaredHash?.slice(0, 12)} → ${d.liveHash?.slice(0, 12)} (declared as hashes only)`);
    for (const p of d.paths) lines.push(`      ${p.path}: ${c.green(show(p.declared))} → ${c.red(show(p.live))}`);
  }
  return lines;
}

/** The human form: a per-service summary, then every finding with its field paths. */
export function renderText(report: DriftReport, c: Palette): string {
  const lines: string[] = [];
  const proxy = report.proxy;
  const who = [proxy.nodeId && `node ${proxy.nodeId}`, proxy.version && `Envoy ${proxy.version}`, proxy.admin].filter(Boolean).join(', ');
  const drifting = report.services.filter((s) => !s.inSync).length;
  lines.push(
    report.inSync
      ? c.green(`in sync: ${report.services.length} services match their declaration`) + (who ? ` (${who})` : '')
      : c.red(`drift: ${drifting} of ${report.services.length} services differ from their declaration`) + (who ? ` (${who})` : ''),
  );
  const width = Math.max(8, ...report.services.map((s) => s.name.length));
  for (const s of report.services) {
    const mark = s.inSync ? c.green('✓') : c.red('✗');
    const counts = Object.entries(s.drift).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
    lines.push(`  ${mark} ${s.name.padEnd(width)}  ${s.inSync ? c.dim(`${s.declaredResources} resources`) : `${counts}${s.severity ? ` ${severityLabel(s.severity, c)}` : ''}`}`);
  }
  if (report.drift.length > 0) {
    lines.push('', 'Drift:');
    for (const d of report.drift) lines.push(...describeDrift(d, c));
  }
  const used = report.ignored.filter((r) => r.suppressed > 0 || r.expired);
  if (used.length > 0) {
    lines.push('', 'Ignore rules:');
    for (const r of used) lines.push(`  ${r.rule} ${r.path}: ${r.expired ? c.yellow(`expired ${r.expires}, not applied`) : `suppressed ${r.suppressed}`} (${r.reason})`);
  }
  if (report.api?.warning) lines.push('', c.yellow(`warning: ${report.api.warning}`));
  const notes: string[] = [];
  if (report.unknown.fields > 0 || Object.keys(report.unknown.types).length > 0) {
    const types = Object.keys(report.unknown.types);
    notes.push(`compared as plain JSON: ${report.unknown.fields} unknown fields${types.length ? `, types ${types.join(', ')}` : ''}`);
  }
  if (report.coverage.notCompared.length > 0) notes.push(`not compared: ${report.coverage.notCompared.join(', ')}`);
  if (report.hashesOnly) notes.push('declared as hashes only: field paths are not available');
  if (notes.length > 0) lines.push('', ...notes.map((n) => c.dim(`note: ${n}`)));
  return `${lines.join('\n')}\n`;
}
