import { afterEach, describe, expect, it } from 'vitest';
import { explainNode, getRunDetail, runLineage, submitRun } from '../src/pipeline/executor/index.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../src/store/test-databases.js';
import { type Harness, startHarness } from './fixtures/pipelines/harness.js';

const unavailable = await probePostgres();

/** The same executor on the real PostgreSQL (BOOKML_DATABASE_URL's dialect): runs, fan-out, cache, lineage. */
describe.skipIf(unavailable !== undefined)(`executor on PostgreSQL ${unavailable ?? ''}`, () => {
  let h: Harness | undefined;
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await h?.close();
    await t?.dispose();
  });

  it('runs a fan-out, serves a repeat from cache and records lineage', async () => {
    t = await createTestDatabase('postgres');
    h = await startHarness({ db: await t.open() });
    const run = async (pipeline: string, params: Record<string, unknown>) => {
      const r = await submitRun(h!.db, h!.catalog, { pipeline, params });
      h!.engine.wake();
      await h!.engine.waitForRun(r.id);
      return getRunDetail(h!.db, r.id);
    };
    const first = await run('sweep', { seed: 3 });
    expect(first.phase).toBe('Succeeded');
    expect(first.nodes.find((n) => n.nodeId === 'pick-best')?.outputs).toEqual({
      params: { best: 3 },
      artifacts: {},
    });
    const second = await run('sweep', { seed: 3 });
    expect(
      second.nodes
        .filter((n) => n.phase === 'Cached')
        .map((n) => n.nodeId)
        .sort(),
    ).toEqual(['pick-best', 'score.0', 'score.1', 'score.2']);
    expect((await explainNode(h.db, second.id, 'score.1')).outcome).toBe('hit');
    const data = await run('data', {});
    expect(data.phase).toBe('Succeeded');
    expect((await runLineage(h.db, data.id)).datasets.map((d) => d.relation).sort()).toEqual([
      'input',
      'output',
    ]);
  });
});
