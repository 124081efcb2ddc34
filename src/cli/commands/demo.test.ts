import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../store/index.js';
import { retrainResult } from './demo.js';

const node = (nodeId: string, o: Partial<NodeRecord>): NodeRecord =>
  ({
    runId: 'r',
    nodeId,
    task: nodeId,
    parentNodeId: null,
    phase: 'Succeeded',
    inputs: null,
    outputs: null,
    cacheKey: null,
    cacheKeyParts: null,
    cachedFrom: null,
    createdAt: 0,
    startedAt: 0,
    finishedAt: 0,
    message: null,
    ...o,
  }) as NodeRecord;

describe('retrainResult', () => {
  it('says a gate-held retrain registered nothing, with the condition', () => {
    const nodes = [
      node('register', { phase: 'Skipped', message: 'when evaluate.gate == "passed" was false' }),
    ];
    expect(retrainResult(nodes)).toBe(
      'nothing registered: register skipped, when evaluate.gate == "passed" was false',
    );
  });

  it('names the registered version and where promote put it', () => {
    const register = node('register', {
      outputs: { params: { version: 2, artifactHash: 'ab' }, artifacts: {} },
    });
    const moved = node('promote', {
      inputs: { params: { version: 2, alias: 'staging' }, artifacts: {} },
      outputs: { params: { status: 'moved', fromVersion: 1 }, artifacts: {} },
    });
    expect(retrainResult([register, moved])).toBe('registered recommender v2, now staging');
    const same = node('promote', {
      inputs: { params: { version: 1, alias: 'staging' } },
      outputs: { params: { status: 'unchanged', fromVersion: 1 } },
    });
    expect(retrainResult([node('register', { outputs: { params: { version: 1 } } }), same])).toBe(
      'no new version: the refit is recommender v1 again, already staging',
    );
    const refused = node('promote', {
      phase: 'Failed',
      message: 'REGISTRY_GATE_FAILED: coverage 0.1 < 0.2',
      inputs: { params: { version: 3, alias: 'staging' } },
    });
    expect(retrainResult([node('register', { outputs: { params: { version: 3 } } }), refused])).toBe(
      'registered recommender v3; promote Failed: REGISTRY_GATE_FAILED: coverage 0.1 < 0.2',
    );
  });

  it('says nothing when the run never reached register', () => {
    expect(retrainResult([node('ingest', {})])).toBeNull();
    expect(retrainResult([node('register', { phase: 'Failed' })])).toBeNull();
  });
});
