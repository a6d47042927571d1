import type { Command } from '../command.js';

/** A command known by name and summary; its module (and what it imports) is loaded only when it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/**
 * Every CLI command; adding one is a new file in this folder and a line here.
 * Loaded lazily: `check` does not pay for the agent's, the remediator's or
 * the sinks' module graphs (bench/README.md, "Footprint (issue 9)").
 */
export const commands: readonly CommandEntry[] = [
  { name: 'check', summary: 'compare a live Envoy with its declaration, once (CI/CD)', load: async () => (await import('./check.js')).checkCommand },
  { name: 'snapshot', summary: 'capture a live Envoy as a declared snapshot with its lock file', load: async () => (await import('./snapshot.js')).snapshotCommand },
  { name: 'diff', summary: 'compare two declarations offline (what a deployment will change)', load: async () => (await import('./diff.js')).diffCommand },
  { name: 'hash', summary: 'print the canonical hashes of a declaration (and write its lock file)', load: async () => (await import('./hash.js')).hashCommand },
  { name: 'agent', summary: 'watch a live Envoy continuously beside it (the sidecar)', load: async () => (await import('./agent.js')).agentCommand },
  { name: 'remediate', summary: "approve, reject or list a running agent's remediations", load: async () => (await import('./remediate.js')).remediateCommand },
  { name: 'audit', summary: 'verify the tamper-evident event journal (audit verify <data-dir>)', load: async () => (await import('./audit.js')).auditCommand },
];
