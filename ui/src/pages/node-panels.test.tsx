// @vitest-environment happy-dom
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import { CacheExplanation, NodeLogs } from './node-panels.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('NodeLogs', () => {
  it('follows a live node: each read asks only for the lines past those shown', async () => {
    const calls = fakeApi({
      'GET /api/v1/runs/r1/logs?node=train&after=0': {
        body: { runId: 'r1', lines: ['train\tepoch 1', 'train\tepoch 2'], next: 2 },
      },
      'GET /api/v1/runs/r1/logs?node=train&after=2': {
        body: { runId: 'r1', lines: ['train\tepoch 3'], next: 3 },
      },
      'GET /api/v1/runs/r1/logs?node=train&after=3': { body: { runId: 'r1', lines: [], next: 3 } },
    });
    renderAs(['viewer'], <NodeLogs runId="r1" node="train" live />);
    await waitFor(() =>
      expect(screen.getByTestId('node-logs').textContent).toBe('epoch 1\nepoch 2\nepoch 3'),
    );
    expect(screen.getByText('following (live)')).toBeTruthy();
    const reads = () =>
      calls.filter((c) => c.path.includes('/logs')).map((c) => c.path.replace(/.*after=/, ''));
    // The read past line 3 is asked for once the third line is shown: on the render after it.
    await waitFor(() => expect(reads().slice(0, 3)).toEqual(['0', '2', '3']));
  });
});

describe('CacheExplanation', () => {
  it('shows what changed against the closest earlier node on a miss', async () => {
    fakeApi({
      'GET /api/v1/runs/r2/nodes/train/explain': {
        body: {
          runId: 'r2',
          nodeId: 'train',
          task: 'train',
          phase: 'Succeeded',
          outcome: 'miss',
          why: null,
          key: 'abcdef0123456789abcdef',
          components: [],
          source: null,
          closest: {
            runId: 'r1',
            nodeId: 'train',
            phase: 'Succeeded',
            changes: [{ component: 'params.k', before: '20', after: '50' }],
          },
        },
      },
    });
    renderAs(['viewer'], <CacheExplanation runId="r2" node="train" />);
    expect(await screen.findByText('cache miss: it ran')).toBeTruthy();
    expect(screen.getByText('params.k')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'r1/train' }).getAttribute('href')).toBe('/runs/r1');
  });

  it("shows the API's code when the executor is not in this process", async () => {
    fakeApi({
      'GET /api/v1/runs/r2/nodes/train/explain': {
        status: 404,
        body: { statusCode: 404, code: 'RUN_NODE_NOT_FOUND', message: 'run r2 has no node "train"' },
      },
    });
    renderAs(['viewer'], <CacheExplanation runId="r2" node="train" />);
    expect(await screen.findByText('RUN_NODE_NOT_FOUND')).toBeTruthy();
  });
});
