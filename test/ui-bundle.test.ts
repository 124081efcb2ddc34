/**
 * The dashboard's bundle budget: the JavaScript a first visit loads (the entry script and the chunks
 * `index.html` preloads) stays within 300 KB gzipped; the graph and chart pages load on demand. Skips
 * without a build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/cli.js';

const dir = join(repoRoot, 'dist', 'ui');
const built = existsSync(join(dir, 'index.html'));
if (!built) console.warn('dashboard bundle budget skipped: no dist/ui (npm run build)');

describe.skipIf(!built)('dashboard bundle', () => {
  it('loads at most 300 KB of gzipped JavaScript on the first visit', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/ui\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
    // The graph layout (elkjs) is not part of the first load.
    for (const f of scripts) expect(readFileSync(join(dir, f), 'utf8')).not.toContain('org.eclipse.elk');
  });
});
