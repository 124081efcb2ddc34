import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/index.js';
import { getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { loadCatalog, type PipelineCatalog } from '../src/pipeline/runner/index.js';
import {
  type MetadataDb,
  openArtifactStore,
  openMetadataDb,
  RunStore,
  resolveWorkspace,
  type Workspace,
} from '../src/store/index.js';
import { CLI, FIXTURES_URL, requireBuild } from './fixtures/pipelines/harness.js';

const KILLS = 20;

/**
 * Kill the executor with SIGKILL at random moments (seeded), restart it, and check that every run still
 * reaches a terminal phase, that orphaned attempts were declared Error and retried, and that every recorded
 * artifact's bytes match its hash.
 */
describe('executor crash safety', () => {
  let dir: string;
  let ws: Workspace;
  let db: MetadataDb;
  let catalog: PipelineCatalog;

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'bookml-crash-'));
    ws = resolveWorkspace(join(dir, '.bookml'));
    db = await openMetadataDb({ workspace: ws });
    catalog = await loadCatalog(FIXTURES_URL);
  });
  afterAll(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function executor(extra: string[] = []): {
    child: ChildProcess;
    ready: Promise<void>;
    exited: Promise<void>;
  } {
    const child = spawn(
      process.execPath,
      [CLI, '--home', ws.root, 'run', 'executor', '--parallelism', '3', ...extra],
      {
        env: { ...process.env, BOOKML_PIPELINES: FIXTURES_URL },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    const ready = new Promise<void>((resolve) => {
      child.stderr?.on('data', (d) => {
        err += d;
        if (err.includes(' started')) resolve();
      });
      child.on('close', () => resolve());
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    return { child, ready, exited };
  }

  it(`every run ends and every artifact is whole after ${KILLS} SIGKILLs at random moments`, async () => {
    const rng = new Rng(20261123);
    const runs = new RunStore(db);
    const submitted: string[] = [];
    const submit = async () =>
      submitted.push(
        (await submitRun(db, catalog, { pipeline: 'crash', params: { ms: 40 + rng.int(80) } })).id,
      );
    for (let i = 0; i < 3; i++) await submit();
    for (let k = 0; k < KILLS; k++) {
      const active = await runs.listRuns({ phase: ['Pending', 'Running'], limit: 10 });
      if (active.length < 2) await submit();
      const ex = executor();
      // Half the kills land anywhere from spawn on (start-up and recovery included), half while it works.
      if (k % 2 === 1) await ex.ready;
      await new Promise((r) => setTimeout(r, rng.int(k % 2 === 1 ? 700 : 900)));
      ex.child.kill('SIGKILL');
      await ex.exited;
    }
    const last = executor(['--idle-exit-ms', '300']);
    await last.exited;

    const all = await Promise.all(submitted.map((id) => getRunDetail(db, id)));
    for (const r of all) expect(['Succeeded', 'Failed', 'Error'], `${r.id} is ${r.phase}`).toContain(r.phase);
    expect(all.filter((r) => r.phase === 'Succeeded').length).toBeGreaterThan(0);
    const attempts = all.flatMap((r) => r.nodes.flatMap((n) => n.attempts));
    expect(attempts.filter((a) => a.phase === 'Running')).toEqual([]);
    const orphaned = attempts.filter((a) => a.errorCode === 'STEP_ORPHANED');
    expect(orphaned.length).toBeGreaterThan(0);
    for (const a of orphaned) expect(a.phase).toBe('Error');

    // Every recorded artifact's bytes hash to its name; the store's verified read agrees.
    const store = await openArtifactStore({ workspace: ws });
    const records = await db.db.selectFrom('artifacts').selectAll().execute();
    expect(records.length).toBeGreaterThan(0);
    for (const rec of records) {
      const bytes = await readFile(await store.get(rec.sha256));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(rec.sha256);
      expect(bytes.length).toBe(rec.size);
    }
    // A succeeded run's result is right, not just present.
    for (const r of all.filter((x) => x.phase === 'Succeeded')) {
      const combine = r.nodes.find((n) => n.nodeId === 'combine')?.outputs as {
        artifacts: { sum: { sha256: string } };
      };
      expect((await store.read(combine.artifacts.sum.sha256)).toString()).toMatch(/^9 \d+$/);
    }
    // Twenty restarts of real processes: a loaded machine needs more than the default minute.
  }, 240_000);
});
