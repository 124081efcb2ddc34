// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import { ModelDetail } from './Models.js';

const gate = (name: string, value: number, threshold: number, passed: boolean) => ({
  gate: name,
  passed,
  value,
  op: '>=',
  threshold,
  detail: `${name} ${passed ? 'holds' : 'fails'}`,
});
const version = (n: number, aliases: string[]) => ({
  model: 'recommender',
  version: n,
  status: 'READY',
  sourceRun: `run-${n}`,
  metrics: { ndcg_at_10: 0.4 + n / 100 },
  params: {},
  tags: {},
  lineage: {},
  aliases,
  gates: {
    production: {
      alias: 'production',
      passed: n === 1,
      evaluatedAt: 1,
      evaluatedBy: 'bookml',
      productionVersion: null,
      results: [gate('min_ndcg', 0.4 + n / 100, 0.3, true), gate('no_regression', -0.02, 0, n === 1)],
    },
  },
});

const routes = {
  'GET /api/v1/models/recommender/versions': {
    body: { versions: [version(2, ['staging']), version(1, ['production'])] },
  },
  'GET /api/v1/approvals': {
    body: {
      approvals: [
        {
          id: 3,
          model: 'recommender',
          version: 2,
          alias: 'production',
          status: 'pending',
          requestedBy: 'ci',
        },
      ],
    },
  },
  'GET /api/v1/audit': {
    body: {
      events: [
        {
          id: 5,
          model: 'recommender',
          alias: 'production',
          action: 'set',
          fromVersion: null,
          toVersion: 1,
          actor: 'alice',
          reason: 'first release',
          gates: null,
          approvalId: null,
          at: 1_700_000_000_000,
        },
      ],
    },
  },
  'GET /api/v1/audit/changes': {
    body: {
      changes: [
        {
          id: 9,
          model: 'recommender',
          version: 2,
          action: 'register-version',
          actor: 'ci',
          reason: null,
          detail: null,
          at: 1_700_000_100_000,
        },
      ],
    },
  },
  'GET /api/v1/models/recommender': {
    body: { name: 'recommender', latestVersion: 2, aliases: { production: 1, staging: 2 } },
  },
  'POST /api/v1/models/recommender/rollback': {
    body: {
      id: 6,
      model: 'recommender',
      alias: 'staging',
      action: 'rollback',
      fromVersion: 2,
      toVersion: 1,
      actor: 'op',
      reason: 'bad canary',
      gates: null,
      approvalId: null,
      at: 1_700_000_200_000,
    },
  },
  'GET /api/v1/models/recommender/compare': {
    body: { model: 'recommender', versions: [1, 2], metrics: [], params: [], dataset: [], code: [] },
  },
  'GET /api/v1/models/recommender/lineage/2': {
    body: {
      model: 'recommender',
      version: 2,
      aliases: ['staging'],
      dataset: { uri: 'synthetic:seed=7', hash: 'abcdef0123456789' },
      codeVersion: { gitSha: '108fe50' },
      params: {},
      run: { id: 'run-2' },
      gates: [],
      approval: null,
    },
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ModelDetail', () => {
  it('a viewer sees the pending approval without an approve button', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <ModelDetail name="recommender" />);
    expect(await screen.findByText('waiting for an approver')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Approve/ })).toBeNull();
  });

  it('an approver gets the approve button; a version shows its gate results and lineage', async () => {
    fakeApi(routes);
    renderAs(['approver'], <ModelDetail name="recommender" />);
    expect(await screen.findByRole('button', { name: 'Approve v2 for production' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'v2' }));
    expect(await screen.findByText('no_regression fails')).toBeTruthy();
    expect(screen.getByText('min_ndcg holds')).toBeTruthy();
    expect(await screen.findByText(/synthetic:seed=7/)).toBeTruthy();
    for (const a of screen.getAllByRole('link', { name: 'run-2' }))
      expect(a.getAttribute('href')).toBe('/runs/run-2');
  });

  it('opens with the version a link names (?version=2, from the lineage page) picked', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <ModelDetail name="recommender" />, '/models/recommender?version=2');
    expect(await screen.findByText('no_regression fails')).toBeTruthy();
    expect(await screen.findByText(/synthetic:seed=7/)).toBeTruthy();
  });

  it('shows the audit timeline: alias moves and registry changes, newest first', async () => {
    fakeApi(routes);
    renderAs(['viewer'], <ModelDetail name="recommender" />);
    const timeline = await screen.findByTestId('audit-timeline');
    const items = [...timeline.querySelectorAll('li')].map((li) => li.textContent ?? '');
    expect(items[0]).toMatch(/register-version v2 by ci/);
    expect(items[1]).toMatch(/production set v— → v1 by alice — first release/);
  });

  it('an operator rolls an alias back with a reason; a viewer gets no rollback form', async () => {
    const calls = fakeApi(routes);
    const viewer = renderAs(['viewer'], <ModelDetail name="recommender" />);
    expect(await screen.findByText('staging → v2')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Roll back/ })).toBeNull();
    viewer.unmount();
    renderAs(['operator'], <ModelDetail name="recommender" />);
    fireEvent.change(await screen.findByLabelText('Alias'), { target: { value: 'staging' } });
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'bad canary' } });
    fireEvent.click(screen.getByRole('button', { name: 'Roll back staging' }));
    await waitFor(() => expect(screen.getByText('staging → v1')).toBeTruthy());
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      path: '/api/v1/models/recommender/rollback',
      body: { alias: 'staging', reason: 'bad canary' },
    });
  });
});
