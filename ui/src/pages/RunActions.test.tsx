// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../../src/api/ui-types.js';
import { fakeApi, renderAs } from '../test-utils.js';
import { RunActions } from './RunDetail.js';

const run = (phase: RunRecord['phase']): RunRecord => ({
  id: 'recommender-abc',
  pipeline: 'recommender',
  phase,
  parameters: {},
  labels: {},
  createdAt: 1,
  startedAt: 1,
  finishedAt: phase === 'Running' ? null : 2,
  parentRunId: null,
  retryOf: null,
  resubmitOf: null,
  mutex: null,
  message: null,
  codeVersion: null,
  submittedBy: null,
  idempotencyKey: null,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('RunActions', () => {
  it('shows nothing to a viewer', () => {
    fakeApi({});
    renderAs(['viewer'], <RunActions run={run('Failed')} />);
    expect(screen.queryAllByRole('button')).toEqual([]);
  });

  it('offers what fits the phase to an operator, and resubmits', async () => {
    const calls = fakeApi({
      'POST /api/v1/runs/recommender-abc/resubmit': { status: 201, body: run('Pending') },
    });
    const running = renderAs(['operator'], <RunActions run={run('Running')} />);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Stop']);
    running.unmount();
    renderAs(['operator'], <RunActions run={run('Failed')} />);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Retry', 'Resubmit']);
    fireEvent.click(screen.getByRole('button', { name: 'Resubmit' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.path).toBe('/api/v1/runs/recommender-abc/resubmit');
  });
});
