import type { DriftReport } from '../compare/drift.js';

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: one test case per service, failing when the service drifts. */
export function renderJunit(report: DriftReport): string {
  const failures = report.services.filter((s) => !s.inSync).length;
  const cases = report.services.map((service) => {
    const open = `    <testcase classname="envoy-drift${report.proxy.nodeId ? `.${xml(report.proxy.nodeId)}` : ''}" name="${xml(service.name)}">`;
    if (service.inSync) return `${open}</testcase>`;
    const findings = report.drift.filter((d) => d.service === service.name);
    const body = findings
      .flatMap((d) => [
        `[${d.severity}] ${d.resourceType} ${d.name} ${d.kind}${d.details ? `: ${d.details}` : ''}`,
        ...d.paths.map((p) => `  ${p.path}: ${JSON.stringify(p.declared ?? null)} -> ${JSON.stringify(p.live ?? null)}`),
      ])
      .join('\n');
    const message = `${findings.length} drifted resources (${service.severity ?? 'info'})`;
    return `${open}\n      <failure message="${xml(message)}" type="drift">${xml(body)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="envoy-drift" tests="${report.services.length}" failures="${failures}">`,
    `  <testsuite name="${xml(report.proxy.admin ?? 'declaration')}" tests="${report.services.length}" failures="${failures}" timestamp="${report.checkedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
