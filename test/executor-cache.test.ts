import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  explainNode,
  getRunDetail,
  renderExplanation,
  resubmitRun,
  retryRun,
  submitRun,
} from '../src/pipeline/executor/index.js';
import { type Harness, startHarness } from './fixtures/pipelines/harness.js';

/** Caching (and explaining it), retrying a failed run from where it failed, resubmitting. */
describe('executor cache', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function finish(id: string) {
    h.engine.wake();
    await h.engine.waitForRun(id);
    return getRunDetail(h.db, id);
  }

  it('serves an identical second run from the cache, pointing at the nodes that ran', async () => {
    h = await startHarness();
    const first = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'abc' } })).id,
    );
    const second = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'abc' } })).id,
    );
    expect(second.phase).toBe('Succeeded');
    const phase = (r: typeof second, id: string) => r.nodes.find((n) => n.nodeId === id);
    for (const id of ['make', 'shout', 'measure']) {
      expect(phase(second, id)?.phase).toBe('Cached');
      expect(phase(second, id)?.cachedFrom).toEqual({ runId: first.id, nodeId: id });
      expect(phase(second, id)?.outputs).toEqual(phase(first, id)?.outputs);
      expect(phase(second, id)?.attempts).toEqual([]);
    }
    // The exit handler has side effects: never cached.
    expect(phase(second, 'finish')?.phase).toBe('Succeeded');

    const hit = await explainNode(h.db, second.id, 'make');
    expect(hit.outcome).toBe('hit');
    expect(hit.components.map((c) => c.component)).toEqual([
      'codeHash',
      'env.BOOKML_FIXTURE_FLAVOUR',
      'params.text',
      'step',
      'stepVersion',
    ]);

    // A changed parameter misses; explain names the component against the closest earlier node.
    const third = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'abd' } })).id,
    );
    expect(third.nodes.find((n) => n.nodeId === 'make')?.phase).toBe('Succeeded');
    const miss = await explainNode(h.db, third.id, 'make');
    expect(miss.outcome).toBe('miss');
    expect(miss.closest?.changes).toEqual([{ component: 'params.text', before: 'abc', after: 'abd' }]);
    expect(renderExplanation(miss)).toContain('params.text: abc → abd');
    // Downstream, the changed input artifact is the part that changed.
    const shout = await explainNode(h.db, third.id, 'shout');
    expect(shout.closest?.changes.map((c) => c.component)).toEqual(['artifacts.file']);
  });

  it('a declared environment variable is part of the key; --no-cache runs everything', async () => {
    h = await startHarness();
    await finish((await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'x' } })).id);
    await h.engine.close();
    await h.restart({ env: { ...process.env, BOOKML_FIXTURE_FLAVOUR: 'spicy' } });
    const flavoured = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'x' } })).id,
    );
    expect(flavoured.nodes.find((n) => n.nodeId === 'make')?.phase).toBe('Succeeded');
    const e = await explainNode(h.db, flavoured.id, 'make');
    expect(e.closest?.changes.map((c) => c.component)).toEqual(['env.BOOKML_FIXTURE_FLAVOUR']);
    // The value is hashed, never shown.
    expect(JSON.stringify(e)).not.toContain('spicy');

    const noCache = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'chain', params: { text: 'x' }, noCache: true })).id,
    );
    expect(noCache.nodes.filter((n) => n.phase === 'Cached')).toEqual([]);
    expect((await explainNode(h.db, noCache.id, 'make')).why).toBe('the run was submitted with --no-cache');
  });

  it('never caches a side-effect step, nor a task with caching turned off', async () => {
    h = await startHarness();
    const dir = join(h.dir, 'effects');
    await finish((await submitRun(h.db, h.catalog, { pipeline: 'effects', params: { dir } })).id);
    const again = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'effects', params: { dir } })).id,
    );
    expect(again.nodes.map((n) => n.phase)).toEqual(['Succeeded', 'Succeeded']);
    expect(readdirSync(dir).length).toBe(2);
    expect((await explainNode(h.db, again.id, 'record')).why).toBe('the step has side effects');
    expect((await explainNode(h.db, again.id, 'score')).why).toBe('caching is off for this task');
  });

  it('retries a failed run from where it failed, reusing what succeeded (side effects included)', async () => {
    h = await startHarness();
    const dir = join(h.dir, 'retry');
    const failed = await finish(
      (await submitRun(h.db, h.catalog, { pipeline: 'flaky', params: { dir, failures: 0, pass: false } })).id,
    );
    expect(failed.phase).toBe('Failed');
    // Same parameters: the gate fails again, the flaky step is reused rather than run.
    const retried = await finish((await retryRun(h.db, h.catalog, failed.id)).id);
    expect(retried.retryOf).toBe(failed.id);
    const flaky = retried.nodes.find((n) => n.nodeId === 'flaky');
    expect(flaky?.phase).toBe('Cached');
    expect(flaky?.cachedFrom).toEqual({ runId: failed.id, nodeId: 'flaky' });
    expect((await explainNode(h.db, retried.id, 'flaky')).outcome).toBe('reused');
    // Resubmitting with a new parameter value goes through; the flaky step is served from the cache.
    const fixed = await finish(
      (await resubmitRun(h.db, h.catalog, failed.id, { params: { pass: 'true' } })).id,
    );
    expect(fixed.phase).toBe('Succeeded');
    expect(fixed.resubmitOf).toBe(failed.id);
    expect(fixed.parameters).toMatchObject({ dir, failures: 0, pass: true });
    expect(fixed.nodes.map((n) => [n.nodeId, n.phase])).toEqual([
      ['flaky', 'Cached'],
      ['gate', 'Succeeded'],
      ['record', 'Succeeded'],
    ]);
    await expect(retryRun(h.db, h.catalog, fixed.id)).rejects.toMatchObject({ code: 'RUN_NOT_RETRYABLE' });
  });
});
