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
});
