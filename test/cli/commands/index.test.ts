import t from 'tap';
import { commands } from '../../../src/cli/commands/index.js';

t.test('each lazily loaded command is the one its entry names and summarises', async (t) => {
  for (const entry of commands) {
    const command = await entry.load();
    t.equal(command.name, entry.name);
    t.equal(command.summary, entry.summary, `${entry.name}: the summary in --help is the command's own`);
  }
});
