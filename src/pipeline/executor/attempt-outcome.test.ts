import { describe, expect, it } from 'vitest';
import { classifyExit } from './attempt-outcome.js';

describe('classifyExit', () => {
  it('a clean exit with an ok report is a success', () => {
    expect(classifyExit({ code: 0, signal: null, result: { ok: true } }, {})).toBeUndefined();
  });

  it('a step that threw is a retryable failure; a BookmlError that says so is not retried', () => {
    const error = { code: 'DATA_BAD_ROW', message: 'line 3', retryable: false };
    expect(classifyExit({ code: 2, signal: null, result: { ok: false, error } }, {})).toEqual({
      kind: 'non-retryable',
      phase: 'Failed',
      code: 'DATA_BAD_ROW',
      message: 'line 3',
    });
    expect(classifyExit({ code: 1, signal: null }, {})?.kind).toBe('failure');
  });

  it('a crash is an error (Argo OnError); a timeout a failure; a terminate is never retried', () => {
    expect(classifyExit({ code: null, signal: 'SIGSEGV' }, {})).toMatchObject({
      kind: 'error',
      phase: 'Error',
      code: 'STEP_CRASHED',
    });
    expect(
      classifyExit({ code: null, signal: 'SIGKILL' }, { killedFor: 'timeout', timeoutSeconds: 5 }),
    ).toMatchObject({
      kind: 'failure',
      code: 'STEP_TIMEOUT',
      message: 'timed out after 5s; its process tree was killed',
    });
    expect(
      classifyExit({ code: 0, signal: null, result: { ok: true } }, { killedFor: 'terminate' })?.kind,
    ).toBe('non-retryable');
  });
});
