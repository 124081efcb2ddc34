import { describe, expect, it } from 'vitest';
import { compileRetry, decompileRetry, RETRY_EXPRESSION } from './retry.js';

describe('retry policy ↔ retryStrategy', () => {
  it('IntOrStrings as strings, whole-second durations, the non-retryable exit code excluded', () => {
    const policy = {
      limit: 3,
      backoff: { durationSeconds: 10, factor: 2, maxDurationSeconds: 600, capSeconds: 60 },
      retryOn: 'failure' as const,
    };
    const rs = compileRetry(policy);
    expect(rs).toEqual({
      limit: '3',
      retryPolicy: 'OnFailure',
      expression: RETRY_EXPRESSION,
      backoff: { duration: '10s', factor: '2', maxDuration: '600s', cap: '60s' },
    });
    expect(decompileRetry(rs)).toEqual(policy);
    expect(compileRetry({ limit: 0 })).toBeUndefined();
    expect(decompileRetry(undefined)).toEqual({ limit: 0 });
    expect(() => decompileRetry({ ...rs, backoff: { ...rs!.backoff, duration: '1m' } })).toThrow(
      /not a duration/,
    );
  });
});
