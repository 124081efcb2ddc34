// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import Data from './Data.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Data', () => {
  it('lists the datasets with their counts and marks the current one', async () => {
    fakeApi({
      'GET /api/v1/datasets': {
        body: {
          datasets: [
            {
              hash: 'a'.repeat(64),
              source: { kind: 'synthetic', uri: 'synthetic:seed=42' },
              counts: { books: 200, customers: 800, orders: 5000, orderLines: 9836 },
              current: true,
            },
          ],
        },
      },
    });
    renderAs(['viewer'], <Data />);
    expect(await screen.findByText('synthetic: synthetic:seed=42')).toBeTruthy();
    expect(screen.getByText('9836')).toBeTruthy();
    expect(screen.getByText('current')).toBeTruthy();
  });

  it('explains the next command when there is none', async () => {
    fakeApi({ 'GET /api/v1/datasets': { body: { datasets: [] } } });
    renderAs(['viewer'], <Data />);
    expect(await screen.findByText('bookml data generate')).toBeTruthy();
  });

  it("shows the current dataset's validation checks and its drift from production's dataset", async () => {
    const hash = 'a'.repeat(64);
    const report = (against: boolean) => ({
      pass: true,
      distinct: { books: 190, customers: 700, baskets: 5000 },
      dateRange: { first: '2026-01-01T00:00:00Z', last: '2026-03-01T00:00:00Z', days: 59 },
      checks: [
        { name: 'lines', value: 9836, op: '>=', threshold: 1000, pass: true },
        ...(against ? [{ name: 'popularity-jsd', value: 0.21, op: '<=', threshold: 0.1, pass: false }] : []),
      ],
      ...(against
        ? {
            against: {
              dataset: { hash: 'b'.repeat(64), uri: 'synthetic:seed=7' },
              shift: {
                jsd: 0.21,
                tvd: 0.33,
                topMovers: [{ book: '17', title: 'Dune', before: 0.01, after: 0.05, change: 0.04 }],
                newBooks: { count: 3, examples: [] },
                vanishedBooks: { count: 1, examples: [] },
              },
            },
          }
        : {}),
    });
    fakeApi({
      'GET /api/v1/datasets': {
        body: {
          datasets: [
            {
              hash,
              source: { kind: 'synthetic', uri: 'synthetic:seed=42' },
              counts: { books: 200, customers: 800, orders: 5000, orderLines: 9836 },
              current: true,
            },
          ],
        },
      },
      [`GET /api/v1/datasets/${hash}/report`]: { body: { report: report(false), against: null } },
      [`GET /api/v1/datasets/${hash}/report?against=production`]: {
        body: {
          report: report(true),
          against: { hash: 'b'.repeat(64), why: 'the dataset recommender v2 (production) was trained on' },
        },
      },
      [`GET /api/v1/datasets/${hash}/distributions`]: {
        status: 404,
        body: { statusCode: 404, code: 'DATA_NOT_FOUND', message: 'no dataset aaaa' },
      },
    });
    renderAs(['viewer'], <Data />);
    expect(await screen.findByTestId('validation-report')).toBeTruthy();
    expect(screen.getByText(/190 books bought by 700 customers/)).toBeTruthy();
    const drift = await screen.findByTestId('data-drift');
    expect(drift.textContent).toMatch(
      /recommender v2 \(production\).*Jensen–Shannon 0\.2100, total variation 0\.3300/,
    );
    expect(screen.getByText('Dune (17)')).toBeTruthy();
    expect(await screen.findByText('DATA_NOT_FOUND')).toBeTruthy();
  });
});
