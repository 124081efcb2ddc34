import { afterEach, describe, expect, it } from 'vitest';
import { getRunDetail, submitRun } from '../src/pipeline/executor/index.js';
import { type Harness, startHarness } from './fixtures/pipelines/harness.js';

/**
 * The warm pool through the engine, on the built step process: each step gets a fresh process whose
 * environment is the one its job carries (the executor's step environment and the run's IDs), and nothing
 * one step left in its process reaches the next.
 */
describe('executor warm pool', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('runs each step in a fresh process with the environment and working directory its job carries', async () => {
    h = await startHarness({
      engine: {
        spares: 2,
        env: { ...process.env, BOOKML_FIXTURE_FLAVOUR: 'vanilla', BOOKML_FIXTURE_LEFT: undefined },
      },
    });
    const run = await submitRun(h.db, h.catalog, { pipeline: 'isolation' });
    h.engine.wake();
    await h.engine.waitForRun(run.id);
    const detail = await getRunDetail(h.db, run.id);
    expect(detail.phase).toBe('Succeeded');
    const seen = (id: string) => {
      const outputs = detail.nodes.find((n) => n.nodeId === id)?.outputs as { params: { seen: string } };
      return JSON.parse(outputs.params.seen);
    };
    const first = seen('first');
    const second = seen('second');
    for (const [s, node] of [
      [first, 'first'],
      [second, 'second'],
    ] as const) {
      expect(s.flavour).toBe('vanilla');
      expect(s.runId).toBe(run.id);
      expect(s.nodeId).toBe(node);
      expect(s.home).toBe(h.ws.root);
      expect(s.cwd).toBe(process.cwd());
    }
    // The first step set a variable in its process; the second, in a process of its own, never sees it.
    expect(first.left).toBeNull();
    expect(second.left).toBeNull();
    expect(second.pid).not.toBe(first.pid);
    expect(detail.nodes.flatMap((n) => n.attempts.map((a) => a.pid))).toEqual(
      expect.arrayContaining([first.pid, second.pid]),
    );
  });
});
