import { chromium, type BrowserContext } from 'playwright-core';
import { chromiumBinary } from '../../scripts/setup/chromium.mjs';

/** Flags for a quiet headless Chromium that reaches nothing but the page it is sent to. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium (scripts/setup/chromium.mjs), with a fresh profile in `userDataDir`. */
export function launchChromium(userDataDir: string, options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumBinary(),
    headless: true,
    args: ARGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
  });
}
