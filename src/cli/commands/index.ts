import type { Command } from '../command.js';
import { agentCommand } from './agent.js';
import { auditCommand } from './audit.js';
import { checkCommand } from './check.js';
import { diffCommand } from './diff.js';
import { hashCommand } from './hash.js';
import { snapshotCommand } from './snapshot.js';

/** Every CLI command; adding one is a new file in this folder and a line here. */
export const commands: readonly Command[] = [checkCommand, snapshotCommand, diffCommand, hashCommand, agentCommand, auditCommand];
