import { runCli } from './main.js';

/** Runs the command line as a bin does: its exit code set, a reader that goes away tolerated. */
export async function runBin(argv: readonly string[]): Promise<void> {
  // A reader that goes away (`| head -1`) is not an error of ours: stop writing, keep the real exit code.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
  process.exitCode = await runCli([...argv], { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
