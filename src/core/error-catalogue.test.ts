import { describe, expect, it } from 'vitest';
import { defineErrors } from './error-catalogue.js';
import { BookmlError, isBookmlError } from './errors.js';

describe('defineErrors', () => {
  const DEMO_ERRORS = defineErrors('DEMO', {
    DEMO_BAD_INPUT: { status: 400, description: 'The input is malformed.' },
    DEMO_GONE: { status: 404, description: 'Nothing there.' },
    DEMO_DOWN: { status: 503, retryable: true, description: 'The backend is down.' },
    DEMO_SPECIAL: { status: 500, exitCode: 3, description: 'A failure with its own exit status.' },
  });

  it('fills exit codes from the status (4xx → 2, 5xx → 1) and retryable with false', () => {
    expect(DEMO_ERRORS.DEMO_BAD_INPUT).toEqual({
      code: 'DEMO_BAD_INPUT',
      area: 'DEMO',
      status: 400,
      exitCode: 2,
      retryable: false,
      description: 'The input is malformed.',
    });
    expect(DEMO_ERRORS.DEMO_GONE.exitCode).toBe(2);
    expect(DEMO_ERRORS.DEMO_DOWN).toMatchObject({ exitCode: 1, retryable: true });
    expect(DEMO_ERRORS.DEMO_SPECIAL.exitCode).toBe(3);
  });

  it('is frozen, entries included', () => {
    expect(Object.isFrozen(DEMO_ERRORS)).toBe(true);
    expect(Object.isFrozen(DEMO_ERRORS.DEMO_GONE)).toBe(true);
  });

  it('refuses a malformed catalogue when it loads, naming the entry', () => {
    const bad = (spec: Record<string, { status: number; description: string; exitCode?: number }>) => () =>
      defineErrors('DEMO', spec);
    expect(bad({ demo_lower: { status: 400, description: 'x' } })).toThrow(/DEMO_ERRORS\.demo_lower/);
    expect(bad({ NOUNDERSCORE: { status: 400, description: 'x' } })).toThrow(/AREA_WHAT/);
    expect(bad({ DEMO_OK: { status: 200, description: 'x' } })).toThrow(/status must be an HTTP error/);
    expect(bad({ DEMO_OK: { status: 400, exitCode: 0, description: 'x' } })).toThrow(/exitCode/);
    expect(bad({ DEMO_OK: { status: 400, description: ' ' } })).toThrow(/description/);
    expect(() => defineErrors('demo', {})).toThrow(/upper case/);
  });

  it('builds BookmlErrors whose status, exit code and retryability come from the entry', () => {
    const err = new BookmlError(DEMO_ERRORS.DEMO_DOWN, 'the backend is down; retry', {
      field: 'backend',
      retryAfterMs: 500,
    });
    expect(isBookmlError(err, 'DEMO_DOWN')).toBe(true);
    expect(err).toMatchObject({
      status: 503,
      exitCode: 1,
      retryable: true,
      retryAfterMs: 500,
      field: 'backend',
    });
    expect(err.toJSON()).toEqual({
      code: 'DEMO_DOWN',
      message: 'the backend is down; retry',
      field: 'backend',
    });
    // A site may know better about retrying (an I/O error that is not transient), never about status.
    expect(new BookmlError(DEMO_ERRORS.DEMO_DOWN, 'x', { retryable: false }).retryable).toBe(false);
  });

  it('a code known only at run time takes status 400 and exit 2 unless told', () => {
    expect(new BookmlError('CHILD_FAILED', 'x')).toMatchObject({ status: 400, exitCode: 2 });
    expect(new BookmlError('CHILD_FAILED', 'x', { status: 500 })).toMatchObject({ status: 500, exitCode: 1 });
  });
});
