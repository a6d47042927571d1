import { runCli } from '../../src/cli/main.js';
import type { DriftReport } from '../../src/compare/drift.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process, capturing its output; exits are returned, never taken. */
export async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

/** `check --format json`, parsed. */
export async function checkJson(admin: string, declared: string, extra: string[] = []): Promise<{ code: number; report: DriftReport; stderr: string }> {
  const run = await cli(['check', '--admin', admin, '--declared', declared, '--format', 'json', ...extra]);
  if (run.code === 2) throw new Error(`check failed: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as DriftReport, stderr: run.stderr };
}
