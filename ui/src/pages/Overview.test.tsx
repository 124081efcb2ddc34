// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import { Overview } from './Overview.js';

const run = (id: string, phase: string) => ({
  id,
  pipeline: 'recommender',
  phase,
  parameters: {},
  labels: { 'bookml.io/trigger': 'manual' },
  createdAt: 1_700_000_000_000,
  startedAt: 1_700_000_000_000,
  finishedAt: null,
});

const routes = {
  'GET /api/v1/models': {
    body: { models: [{ name: 'recommender', latestVersion: 4, aliases: { production: 3, staging: 4 } }] },
  },
  'GET /api/v1/models/recommender/versions/3': { body: { version: 3, metrics: { 'ndcg@10': 0.2345 } } },
  'GET /api/v1/runs?phase=Running%2CPending&limit=20': { body: { runs: [run('r-live', 'Running')] } },
  'GET /api/v1/runs?limit=5': { body: { runs: [run('r-live', 'Running'), run('r-old', 'Succeeded')] } },
  'GET /api/v1/approvals': {
    body: {
      approvals: [
        {
          id: 7,
          model: 'recommender',
          version: 4,
          alias: 'production',
          status: 'pending',
          requestedBy: 'ci',
        },
      ],
    },
  },
  'GET /api/v1/events': { body: { events: [] } },
  'GET /api/v1/schedules': {
    body: {
      schedules: [
        {
          name: 'recommender-nightly',
          pipeline: 'recommender',
          cron: '0 2 * * *',
          timezone: 'UTC',
          suspended: false,
          nextRunAt: 1_700_000_000_000,
        },
      ],
    },
  },
  'GET /api/v1/drift/status': {
    status: 501,
    body: { statusCode: 501, code: 'API_NOT_AVAILABLE', message: 'no drift monitor' },
  },
  'GET /api/v1/serving/stats': {
    body: {
      source: 'in-process (bookml up)',
      intervalMs: 5000,
      since: 1_700_000_000_000,
      error: null,
      samples: [
        {
          at: 1_700_000_005_000,
          canaryTarget: 0.1,
          versions: [
            {
              version: '3',
              role: 'primary',
              requestsPerS: 42.5,
              errorsPerS: 0,
              fallbacksPerS: 0,
              p50Ms: 0.3,
              p95Ms: 0.9,
              p99Ms: 1.75,
            },
          ],
        },
      ],
    },
  },
  'POST /api/v1/models/recommender/versions/4/approve': {
    body: { status: 'moved', model: 'recommender', alias: 'production', version: 4 },
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Overview', () => {
  it('shows the serving version, its metrics, runs in flight and a pending approval', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <Overview />);
    expect((await screen.findByTestId('serving-version')).textContent).toBe('v3');
    expect(await screen.findByText('0.2345')).toBeTruthy();
    expect(screen.getByText('staging → v4')).toBeTruthy();
    expect((await screen.findAllByText('r-live')).length).toBeGreaterThan(0);
    expect(await screen.findByText(/does not read a drift monitor/)).toBeTruthy();
    expect(await screen.findByText(/requested by ci/)).toBeTruthy();
    expect(await screen.findByText(/recommender-nightly/)).toBeTruthy();
  });

  it('shows requests/s and p99 of what serves, from the sampled serving metrics', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <Overview />);
    expect((await screen.findByTestId('serving-rps')).textContent).toBe('42.5');
    expect(screen.getByTestId('serving-now').textContent).toMatch(/v3 primary.*p99 1\.750 ms/);
    expect(screen.getByText('canary share 10%')).toBeTruthy();
  });

  it('says how to get serving figures when the control plane reads none', async () => {
    fakeApi({
      ...routes,
      'GET /api/v1/serving/stats': {
        status: 501,
        body: { statusCode: 501, code: 'API_NOT_AVAILABLE', message: 'no serving metrics' },
      },
    });
    renderAs(['viewer'], <Overview />);
    expect(await screen.findByText(/BOOKML_API_SERVING_URL/)).toBeTruthy();
  });

  it('a viewer sees no approve button', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <Overview />);
    expect(await screen.findByText('waiting for an approver')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /approve/i })).toBeNull();
  });

  it('an approver approves with a reason', async () => {
    const calls = fakeApi(routes);
    renderAs(['approver'], <Overview />);
    const button = await screen.findByRole('button', { name: 'Approve v4 for production' });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'offline metrics hold' } });
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByText('moved')).toBeTruthy());
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      path: '/api/v1/models/recommender/versions/4/approve',
      body: { reason: 'offline metrics hold', alias: 'production' },
    });
  });

  it("shows the API's code and message when a call fails", async () => {
    fakeApi({
      ...routes,
      'GET /api/v1/models': {
        status: 403,
        body: { statusCode: 403, code: 'API_FORBIDDEN', message: 'bob (none) needs the viewer role' },
      },
    });
    renderAs(['viewer'], <Overview />);
    expect(await screen.findByText('API_FORBIDDEN')).toBeTruthy();
    expect(screen.getByText(/needs the viewer role/)).toBeTruthy();
  });
});
