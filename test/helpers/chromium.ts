/**
 * Headless Chromium for page tests, driven by playwright-core: the browser from the npm registry
 * (scripts/chromium.ts; CHROMIUM_PATH to use another), so a fresh clone's `npm ci && npm test` runs
 * these tests with nothing installed by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../scripts/chromium';

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rekwatch-chromium-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS] });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
