import { describe, expect, it } from 'vitest';
import { checkRetryPolicy, nextRetryDelaySeconds, PipelineError, type RetryPolicy } from '../index.js';

describe('checkRetryPolicy', () => {
  it('normalises: retryOn defaults to always; limit 0 keeps nothing else', () => {
    expect(
      checkRetryPolicy({ limit: 2, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 60 } }),
    ).toEqual({
      limit: 2,
      backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 60 },
      retryOn: 'always',
    });
    expect(
      checkRetryPolicy({ limit: 0, backoff: { durationSeconds: 5, factor: 2, maxDurationSeconds: 60 } }),
    ).toEqual({
      limit: 0,
    });
  });

  it('names the task and the field of each problem', () => {
    try {
      checkRetryPolicy(
        { limit: 1, backoff: { durationSeconds: 5, factor: 0, maxDurationSeconds: 60 } },
        { task: 'train' },
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineError);
      expect((e as PipelineError).toJSON()).toEqual({
        code: 'PIPELINE_INVALID_RETRY',
        field: 'retry.backoff.factor',
        message: 'task "train": retry.backoff.factor must be ≥ 1, got 0',
      });
      expect((e as PipelineError).task).toBe('train');
    }
    expect(() => checkRetryPolicy(null)).toThrow('retry must be an object');
    expect(() =>
      checkRetryPolicy({
        limit: 1,
        backoff: { durationSeconds: 1, factor: 1, maxDurationSeconds: 1, jitter: 1 },
      }),
    ).toThrow('retry.backoff.jitter is not a backoff option');
  });
});

describe('nextRetryDelaySeconds (Argo’s backoff)', () => {
  const policy: RetryPolicy = {
    limit: 3,
    backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 100, capSeconds: 30 },
    retryOn: 'always',
  };

  it('waits duration × factor^(n−1), capped, and stops at the limit and the max duration', () => {
    expect(nextRetryDelaySeconds(policy, 'failure', { attempts: 1, elapsedSeconds: 0 })).toBe(10);
    expect(nextRetryDelaySeconds(policy, 'failure', { attempts: 2, elapsedSeconds: 15 })).toBe(20);
    expect(nextRetryDelaySeconds(policy, 'error', { attempts: 3, elapsedSeconds: 40 })).toBe(30);
    expect(nextRetryDelaySeconds(policy, 'failure', { attempts: 4, elapsedSeconds: 80 })).toBeNull();
    expect(nextRetryDelaySeconds(policy, 'failure', { attempts: 2, elapsedSeconds: 90 })).toBeNull();
  });

  it('never retries non-retryable errors, and honours retryOn', () => {
    expect(nextRetryDelaySeconds(policy, 'non-retryable', { attempts: 1, elapsedSeconds: 0 })).toBeNull();
    const onError = { ...policy, retryOn: 'error' as const };
    expect(nextRetryDelaySeconds(onError, 'failure', { attempts: 1, elapsedSeconds: 0 })).toBeNull();
    expect(nextRetryDelaySeconds(onError, 'error', { attempts: 1, elapsedSeconds: 0 })).toBe(10);
    expect(nextRetryDelaySeconds({ limit: 0 }, 'failure', { attempts: 1, elapsedSeconds: 0 })).toBeNull();
  });
});
