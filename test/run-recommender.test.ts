import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeVersion } from '../src/core/index.js';
import { CLI, REPO, requireBuild, stopExecutorsAndRemove } from './fixtures/pipelines/harness.js';

const BUILT_PIPELINES = join(REPO, 'dist', 'pipelines', 'index.js');

/**
 * Done means: from an empty workspace, `bookml run submit recommender --watch` runs the whole DAG, and a
 * second identical submit is served from cache (everything after ingest; register and promote have side
 * effects and run again, finding nothing to change).
 */
describe.skipIf(!existsSync(BUILT_PIPELINES))('bookml run submit recommender', () => {
  let dir: string;
  let home: string;
  const submit = (): Promise<{
    code: number | null;
    body: Record<string, unknown> & { nodes: { id: string; phase: string; children: { phase: string }[] }[] };
  }> =>
    new Promise((resolve) => {
      const env = { ...process.env };
      delete env.BOOKML_PIPELINES;
      const child = spawn(
        process.execPath,
        [CLI, '--home', home, 'run', 'submit', 'recommender', '--watch', '--json'],
        {
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, body: JSON.parse(stdout) }));
    });

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'bookml-recommender-'));
    home = join(dir, '.bookml');
  });
  afterAll(async () => {
    await stopExecutorsAndRemove(dir, home);
  });

  it('runs end to end, then serves the second identical submit from cache', async () => {
    const first = await submit();
    expect(first.code).toBe(0);
    expect(first.body.phase).toBe('Succeeded');
    const ids = first.body.nodes.map((n) => n.id);
    expect(ids).toEqual(
      expect.arrayContaining(['ingest', 'validate', 'train', 'pick-best', 'evaluate', 'register', 'promote']),
    );
    expect(first.body.nodes.find((n) => n.id === 'train')?.children.length).toBeGreaterThan(1);
    // The steps ran from the build's step bundle: its modules still find the checkout beside them.
    expect(existsSync(join(REPO, 'dist', 'step-bundle', 'step-process.js'))).toBe(true);
    const lineage = JSON.parse(
      execFileSync(process.execPath, [
        CLI,
        '--home',
        home,
        'model',
        'lineage',
        'recommender/1',
        '--json',
      ]).toString(),
    ) as { codeVersion: { version: string; gitSha: string | null } };
    expect(lineage.codeVersion).toEqual(codeVersion());

    const second = await submit();
    expect(second.code).toBe(0);
    const phase = Object.fromEntries(second.body.nodes.map((n) => [n.id, n.phase]));
    expect(phase).toMatchObject({ validate: 'Cached', 'pick-best': 'Cached', evaluate: 'Cached' });
    const train = second.body.nodes.find((n) => n.id === 'train');
    expect(train?.children.every((c) => c.phase === 'Cached')).toBe(true);
    expect(second.body.cacheHits as number).toBeGreaterThanOrEqual(6);
  });
});
