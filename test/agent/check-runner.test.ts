import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPlacement, CheckRunner, WORKER_FROM_DECLARED_BYTES } from '../../src/agent/check-runner.js';
import { workdir } from '../helpers/workdir.js';

t.test('auto places the checks by the size of the declared files', async (t) => {
  const dir = workdir(t);
  writeFileSync(join(dir, 'small.yaml'), 'static_resources: {}\n');
  mkdirSync(join(dir, 'large', 'clusters'), { recursive: true });
  writeFileSync(join(dir, 'large', 'manifest.yaml'), 'services: []\n');
  writeFileSync(join(dir, 'large', 'clusters', 'cds.yaml'), 'x'.repeat(WORKER_FROM_DECLARED_BYTES));
  t.equal(await checkPlacement('auto', join(dir, 'small.yaml')), 'main', 'a small declaration: one isolate');
  t.equal(await checkPlacement('auto', join(dir, 'large')), 'worker', 'a large folder, nested files counted: the worker');
  t.equal(await checkPlacement('auto', undefined), 'worker', "a control plane's intent alone: size unknown, the worker");
  t.equal(await checkPlacement('main', join(dir, 'large')), 'main', 'an explicit setting wins');
  t.equal(await checkPlacement('worker', join(dir, 'small.yaml')), 'worker');
});

t.test('one engine on the main thread per process: its state lives in its module', async (t) => {
  const first = new CheckRunner('main');
  t.throws(() => new CheckRunner('main'), { code: 'ED_INTERNAL' }, 'a second would share the first one’s declaration and live state');
  await first.close();
});
