// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import { PValueHistory, ServingSeries } from './monitoring-series.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const sample = (version: string, role: string | null, rps: number) => ({
  version,
  role,
  requestsPerS: rps,
  errorsPerS: 0,
  fallbacksPerS: 0.25,
  p50Ms: 0.31,
  p95Ms: 0.9,
  p99Ms: 2.5,
});

describe('ServingSeries', () => {
  it('shows the last interval per version, where the figures come from, and a scrape error', async () => {
    fakeApi({
      'GET /api/v1/serving/stats': {
        body: {
          source: 'http://serve:8080/metrics',
          intervalMs: 5000,
          since: 1_700_000_000_000,
          error: 'cannot read http://serve:8080/metrics: ECONNREFUSED',
          samples: [
            {
              at: 1_700_000_005_000,
              canaryTarget: 0.1,
              versions: [sample('3', 'primary', 12), sample('4', 'canary', 1.5)],
            },
          ],
        },
      },
    });
    renderAs(['viewer'], <ServingSeries />);
    expect(await screen.findByText('Last interval')).toBeTruthy();
    expect(screen.getByText(/From http:\/\/serve:8080\/metrics, every 5 s/)).toBeTruthy();
    expect(screen.getByText('canary')).toBeTruthy();
    expect(screen.getByText('12.0')).toBeTruthy();
    expect(screen.getAllByText('2.500 ms')).toHaveLength(2);
    expect(screen.getByText(/ECONNREFUSED/)).toBeTruthy();
  });

  it('says what to configure when the control plane reads no serving metrics', async () => {
    fakeApi({
      'GET /api/v1/serving/stats': {
        status: 501,
        body: { statusCode: 501, code: 'API_NOT_AVAILABLE', message: 'no serving metrics' },
      },
    });
    renderAs(['viewer'], <ServingSeries />);
    expect(await screen.findByText(/set BOOKML_API_SERVING_URL/)).toBeTruthy();
  });
});

describe('PValueHistory', () => {
  it('counts the tests kept and says when none ran yet', async () => {
    fakeApi({
      'GET /api/v1/drift/history': {
        body: {
          intervalMs: 5000,
          since: 1_700_000_000_000,
          tests: [{ at: 1_700_000_010_000, version: '3', isDrift: true, features: [] }],
        },
      },
    });
    renderAs(['viewer'], <PValueHistory />);
    expect((await screen.findByTestId('pvalue-tests')).textContent).toMatch(
      /^1 test\(s\) since .* — drift\.$/,
    );
    cleanup();
    fakeApi({ 'GET /api/v1/drift/history': { body: { intervalMs: 5000, since: 0, tests: [] } } });
    renderAs(['viewer'], <PValueHistory />);
    expect(await screen.findByText('bookml demo drift')).toBeTruthy();
  });
});
