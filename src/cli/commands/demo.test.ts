import { describe, expect, it } from 'vitest';
import type { RunView, RunViewNode } from '../../pipeline/executor/index.js';
import { retrainResult } from './demo.js';

const node = (
  id: string,
  o: Partial<RunViewNode> & { params?: Record<string, unknown> } = {},
): RunViewNode => {
  const { params = {}, ...rest } = o;
  return {
    id,
    task: id,
    phase: 'Succeeded',
    startedAt: 0,
    finishedAt: 0,
    durationMs: 0,
    attempts: 1,
    message: null,
    outputs: { params, artifacts: {} },
    cachedFrom: null,
    lastError: null,
    children: [],
    ...rest,
  };
};

/** A finished retrain whose promote moves `staging` (the pipeline's `alias` parameter). */
const run = (nodes: RunViewNode[]): RunView => ({
  id: 'r',
  pipeline: 'recommender',
  phase: 'Succeeded',
  message: null,
  parameters: { alias: 'staging' },
  createdAt: 0,
  startedAt: 0,
  finishedAt: 0,
  durationMs: 0,
  retryOf: null,
  resubmitOf: null,
  codeVersion: null,
  cacheHits: 0,
  labels: {},
  triggeredBy: null,
  stale: false,
  nodes,
});

describe('retrainResult', () => {
  it('says a gate-held retrain registered nothing, with the condition', () => {
    const nodes = [
      node('register', { phase: 'Skipped', message: 'when evaluate.gate == "passed" was false' }),
    ];
    expect(retrainResult(run(nodes))).toBe(
      'nothing registered: register skipped, when evaluate.gate == "passed" was false',
    );
  });

  it('names the registered version and where promote put it', () => {
    const register = node('register', { params: { version: 2, artifactHash: 'ab' } });
    const moved = node('promote', { params: { status: 'moved', fromVersion: 1 } });
    expect(retrainResult(run([register, moved]))).toBe('registered recommender v2, now staging');
    const same = node('promote', { params: { status: 'unchanged', fromVersion: 1 } });
    expect(retrainResult(run([node('register', { params: { version: 1 } }), same]))).toBe(
      'no new version: the refit is recommender v1 again, already staging',
    );
    const refused = node('promote', { phase: 'Failed', message: 'REGISTRY_GATE_FAILED: coverage 0.1 < 0.2' });
    expect(retrainResult(run([node('register', { params: { version: 3 } }), refused]))).toBe(
      'registered recommender v3; promote Failed: REGISTRY_GATE_FAILED: coverage 0.1 < 0.2',
    );
  });

  it('says nothing when the run never reached register', () => {
    expect(retrainResult(run([node('ingest')]))).toBeNull();
    expect(retrainResult(run([node('register', { phase: 'Failed' })]))).toBeNull();
  });
});
