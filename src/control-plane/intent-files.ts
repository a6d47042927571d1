import { INTENT_TYPES, type Intent, type IntentTypeUrl } from './intent.js';

const FILE_OF = { listener: 'listeners.yaml', cluster: 'clusters.yaml', route_configuration: 'routes.yaml' } as const;

/** A control plane's intent as declaration files (xDS resource files, one per type), for review in git. */
export function intentFiles(intent: Intent): Map<string, unknown> {
  const files = new Map<string, unknown>();
  for (const [url, entry] of Object.entries(intent.types)) {
    if (!entry || entry.resources.length === 0) continue;
    files.set(FILE_OF[INTENT_TYPES[url as IntentTypeUrl]], { version_info: entry.version, resources: entry.resources });
  }
  return files;
}
