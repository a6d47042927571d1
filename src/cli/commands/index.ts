import type { Command } from '../command.js';
import { auditCommand } from './audit.js';

/** Every CLI command; adding one is a new file in this folder and a line here. */
export const commands: readonly Command[] = [auditCommand];
