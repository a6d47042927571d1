// Which builds a benchmark compares, side by side in one run, so that every
// before/after ratio comes from the same moment of a noisy machine:
//   BUILDS=before=/work/main/dist,after=dist node bench/agent.mjs …
// Each entry is label=path to a built dist/ folder; the default is this
// checkout's dist/ alone. Runs alternate between builds.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function builds() {
  const spec = process.env.BUILDS ?? 'current=dist';
  return spec.split(',').map((entry) => {
    const [label, path] = entry.includes('=') ? entry.split('=') : [entry, entry];
    const dist = resolve(path);
    const cli = join(dist, 'cli', 'bin.js');
    if (!existsSync(cli)) throw new Error(`BUILDS: ${label}=${path}: no ${cli} (run npm run build there)`);
    return { label, dist, cli };
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
