/**
 * A full disk during a run (issue 11, item 13): the workspace sits on a 2 MiB tmpfs and a step writes
 * more than fits. The node fails with the real cause (ENOSPC), the run reaches a terminal phase, and
 * the executor survives to run the next one. Needs `mount -t tmpfs` (CI runs as root); skipped with
 * the reason where mounting is not permitted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { openMetadataDb, resolveWorkspace } from '../src/store/index.js';
import { CLI, type Harness, startHarness, until } from './fixtures/pipelines/harness.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'bookml-full-disk-'));
let cannotMount: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (e) {
  cannotMount = `cannot mount a tmpfs here (${
    String((e as { stderr?: Buffer }).stderr ?? e)
      .trim()
      .split('\n')[0]
  }); run as root`;
}

describe.skipIf(cannotMount !== undefined)(
  `a full disk during a run${cannotMount ? ` — skipped: ${cannotMount}` : ''}`,
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ dir: mountPoint });
    });
    afterAll(async () => {
      await h?.close().catch(() => {});
      if (cannotMount === undefined) execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });

    it('13. the node fails with ENOSPC, the run ends, and the executor runs the next one', async () => {
      const run = await submitRun(h.db, h.catalog, { pipeline: 'fill', params: { bytes: 8 << 20 } });
      h.engine.wake();
      const ended = await until(
        async () => {
          const d = await getRunDetail(h.db, run.id);
          return d.phase === 'Pending' || d.phase === 'Running' ? undefined : d;
        },
        'the run to end',
        60_000,
      );
      expect(['Failed', 'Error']).toContain(ended.phase);
      const node = ended.nodes.find((n) => n.nodeId === 'fill');
      const last = node?.attempts.at(-1);
      expect(`${last?.errorCode} ${last?.errorMessage} ${node?.message}`).toMatch(/ENOSPC|disk is full/);
      // Still alive: a run that fits goes through on the same executor.
      const small = await submitRun(h.db, h.catalog, { pipeline: 'fill', params: { bytes: 1024 } });
      h.engine.wake();
      expect((await h.engine.waitForRun(small.id)).phase).toBe('Succeeded');
    }, 120_000);
  },
);

describe.skipIf(cannotMount !== undefined)(
  `bookml train on a full disk${cannotMount ? ` — skipped: ${cannotMount}` : ''}`,
  () => {
    const disk = mkdtempSync(join(tmpdir(), 'bookml-full-train-'));
    const scratch = mkdtempSync(join(tmpdir(), 'bookml-full-train-data-'));
    beforeAll(() => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    });
    afterAll(() => {
      execFileSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    });

    it('13. reports ENOSPC as STORE_DISK_FULL with exit 2, not INTERNAL', () => {
      const bookml = (...args: string[]) =>
        spawnSync(process.execPath, [CLI, ...args], {
          encoding: 'utf8',
          env: { ...process.env, BOOKML_HOME: join(disk, 'ws') },
        });
      const dataset = join(scratch, 'data');
      expect(bookml('data', 'generate', '--out', dataset, '--json').status).toBe(0);
      // Fill the disk but for a few KiB: the bundle does not fit.
      const { bavail, bsize } = statfsSync(disk);
      writeFileSync(join(disk, 'ballast'), Buffer.alloc(Math.max(0, bavail * bsize - 8192)));
      for (const where of [['--out', join(disk, 'model')], []]) {
        const r = bookml('train', '--dataset', dataset, ...where, '--json');
        expect(r.status, r.stdout + r.stderr).toBe(2);
        expect(JSON.parse(r.stdout).error).toMatchObject({
          code: 'STORE_DISK_FULL',
          message: expect.stringContaining('the disk is full (ENOSPC)'),
        });
      }
    }, 60_000);
  },
);

describe.skipIf(cannotMount !== undefined)(
  `the metadata database on a full disk${cannotMount ? ` — skipped: ${cannotMount}` : ''}`,
  () => {
    const disk = mkdtempSync(join(tmpdir(), 'bookml-full-db-'));
    beforeAll(() => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    });
    afterAll(() => {
      execFileSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
    });

    it('13. a transaction that fills the disk fails with STORE_DISK_FULL, not "cannot rollback"', async () => {
      const db = await openMetadataDb({ workspace: resolveWorkspace(join(disk, 'ws')), env: {} });
      try {
        const { bavail, bsize } = statfsSync(disk);
        writeFileSync(join(disk, 'ballast'), Buffer.alloc(Math.max(0, bavail * bsize - 16384)));
        const err = await db
          .transaction(async (tx) => {
            for (let i = 0; i < 64; i++) {
              await tx.db
                .insertInto('events')
                .values({
                  topic: 't',
                  payload: JSON.stringify({ pad: 'x'.repeat(16384) }),
                  dedupe_key: null,
                  created_at: i,
                })
                .execute();
            }
          })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'STORE_DISK_FULL', exitCode: 2, status: 507 });
        expect(String((err as Error).message)).not.toContain('cannot rollback');
      } finally {
        await db.close();
      }
    });
  },
);
