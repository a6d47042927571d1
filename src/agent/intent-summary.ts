import { createHash } from 'node:crypto';
import type { DeclaredSummary } from './check-protocol.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import { resourceSetRoot } from '../resources/resource-set.js';
import type { Intent } from '../control-plane/intent.js';

/** The agent's summary of a declaration that holds a control plane's intent. */
export function intentSummary(declared: DeclaredSnapshot, intent: Intent): DeclaredSummary {
  const hash = createHash('sha256');
  for (const [url, entry] of Object.entries(intent.types).sort(([a], [b]) => a.localeCompare(b))) hash.update(url).update('\u0000').update(entry?.version ?? '').update('\u0000').update(JSON.stringify(entry?.resources ?? []));
  return {
    path: `control plane ${intent.address}`,
    sources: declared.sources,
    resources: declared.set.resources.size,
    root: resourceSetRoot(declared.set),
    hashesOnly: declared.hashesOnly,
    contentHash: hash.digest('hex'),
    modes: [...new Set([...declared.manifest.services.flatMap((s) => (s.remediation ? [s.remediation] : [])), ...(declared.manifest.defaultRemediation ? [declared.manifest.defaultRemediation] : [])])],
  };
}
