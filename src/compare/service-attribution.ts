import { isPlainObject } from '../canonical/canonical-json.js';
import type { Manifest } from '../declared/manifest.js';
import type { Resource } from '../resources/resource.js';

/** Resources that belong to the proxy as a whole unless a manifest says otherwise. */
export const PROXY_SERVICE = '_proxy';

/**
 * The service a resource belongs to: the first manifest service that claims
 * it; otherwise a virtual host or a cluster is its own service (an EDS
 * assignment goes with its cluster), and everything else is the proxy's.
 */
export function serviceOf(resource: Resource, manifest: Manifest): string {
  for (const service of manifest.services) if (service.matches(resource.key)) return service.name;
  switch (resource.type) {
    case 'virtual_host': {
      const named = isPlainObject(resource.value) ? resource.value['name'] : undefined;
      return typeof named === 'string' && named !== '' ? named : resource.name.slice(resource.name.lastIndexOf('/') + 1);
    }
    case 'cluster':
    case 'endpoint':
      return resource.name;
    default:
      return PROXY_SERVICE;
  }
}
