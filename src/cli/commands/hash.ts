import { writeFileAtomic } from '../../common/atomic-write.js';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { serviceOf } from '../../compare/service-attribution.js';
import { rootHash } from '../../canonical/hash.js';
import { buildLock, LOCK_FILE_NAME } from '../../declared/lock-file.js';
import { resourceSetRoot } from '../../resources/resource-set.js';
import { ExitCode, parseCommandArgs, requireOption, type Command } from '../command.js';
import { loadDeclaredOrThrow, parseFormat } from '../shared.js';

export const hashCommand: Command = {
  name: 'hash',
  summary: 'print the canonical hashes of a declaration (and write its lock file)',
  usage: `
Usage: envoy-drift hash --declared <file|dir> [--format text|json] [--write-lock]

Prints the SHA-256 of every declared resource's canonical form, the root per
service and the root of the whole declaration. --write-lock writes
${LOCK_FILE_NAME} into the declaration's folder, so that a check can run on
hashes alone.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs('hash', argv, { declared: { type: 'string' }, format: { type: 'string' }, 'write-lock': { type: 'boolean' } });
    const path = requireOption('hash', values['declared'] as string | undefined, '--declared');
    const format = parseFormat('hash', values['format'] as string | undefined, ['text', 'json']);
    const declared = await loadDeclaredOrThrow(path, io);
    const root = resourceSetRoot(declared.set);
    const byService = new Map<string, Array<[string, string]>>();
    for (const resource of declared.set.resources.values()) {
      const service = serviceOf(resource, declared.manifest);
      const list = byService.get(service) ?? [];
      list.push([resource.key, resource.hash]);
      byService.set(service, list);
    }
    const services = Object.fromEntries([...byService.keys()].sort().map((name) => [name, rootHash(byService.get(name)!)]));
    const lock = buildLock(declared.set, root);
    if (format === 'json') io.stdout.write(`${JSON.stringify({ root, services, resources: lock.resources }, null, 2)}\n`);
    else {
      for (const [key, hash] of Object.entries(lock.resources)) io.stdout.write(`${hash}  ${key}\n`);
      for (const [name, hash] of Object.entries(services)) io.stdout.write(`${hash}  service ${name}\n`);
      io.stdout.write(`${root}  (root)\n`);
    }
    if (values['write-lock']) {
      const folder = (await stat(path)).isDirectory() ? path : dirname(path);
      const target = join(folder, LOCK_FILE_NAME);
      await writeFileAtomic(target, `${JSON.stringify(lock, null, 2)}\n`);
      io.stderr.write(`wrote ${target}\n`);
    }
    return ExitCode.IN_SYNC;
  },
};
