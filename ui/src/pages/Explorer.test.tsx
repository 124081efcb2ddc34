// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import Explorer from './Explorer.js';

const model = {
  name: 'recommender',
  version: 3,
  aliases: ['production'],
  via: 'alias',
  alias: 'production',
  books: 40,
  coBuysAvailable: true,
};
const book = (id: string, title: string, buyers = 10) => ({ id, title, author: 'A. Author', buyers });
const dune = book('1', 'Dune', 50);
const emma = book('2', 'Emma', 40);
const ivanhoe = book('3', 'Ivanhoe', 30);

const routes = {
  'GET /api/v1/explorer/books?alias=production&offset=0&limit=10': {
    body: { model, q: '', total: 40, offset: 0, limit: 10, books: [dune, emma] },
  },
  'GET /api/v1/explorer/books?alias=production&q=dune&offset=0&limit=10': {
    body: { model, q: 'dune', total: 1, offset: 0, limit: 10, books: [dune] },
  },
  'GET /api/v1/explorer/books/1?alias=production&limit=15': {
    body: {
      model,
      book: dune,
      kept: 2,
      neighbours: [
        { book: emma, score: 0.41, coBuys: 12 },
        { book: ivanhoe, score: 0.2, coBuys: 7 },
      ],
    },
  },
  'GET /api/v1/explorer/recommend?alias=production&books=1': {
    body: {
      model,
      basket: [dune],
      unknown: [],
      k: 10,
      fallback: false,
      recommendations: [
        { book: emma, score: 0.41, padded: false, because: [{ book: dune, similarity: 0.41, coBuys: 12 }] },
        { book: ivanhoe, score: 0.05, padded: true, because: [] },
      ],
    },
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Explorer', () => {
  it('finds a book, shows its neighbours with co-buy counts, and a basket with "because you bought"', async () => {
    const calls = fakeApi(routes);
    renderAs(['viewer'], <Explorer />);
    expect((await screen.findByTestId('explorer-model')).textContent).toContain(
      'recommender v3 (production)',
    );
    fireEvent.change(screen.getByLabelText('Title, author or id'), { target: { value: 'dune' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await screen.findByText('Matching “dune”: 1–1 of 1');
    fireEvent.click(screen.getByRole('button', { name: 'Dune' }));
    const table = await screen.findByTestId('neighbours');
    expect(
      within(table)
        .getAllByTestId('co-buys')
        .map((c) => c.textContent),
    ).toEqual(['12', '7']);
    fireEvent.click(
      within(screen.getByRole('region', { name: /Neighbours of/ })).getAllByRole('button', {
        name: 'Add to basket',
      })[0],
    );
    const recs = await screen.findByTestId('recommendations');
    await waitFor(() => expect(recs.textContent).toContain('because you bought “Dune” (12 co-buys)'));
    expect(recs.textContent).toContain('a popular pick');
    expect(calls.some((c) => c.path === '/api/v1/explorer/recommend?alias=production&books=1')).toBe(true);
  });

  it('pages through the search results on the server', async () => {
    const calls = fakeApi(routes);
    renderAs(['viewer'], <Explorer />);
    await screen.findByText('Most bought first: 1–2 of 40');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(calls.some((c) => c.path.includes('offset=10'))).toBe(true));
  });

  it('without a registered model, says which command makes one', async () => {
    fakeApi({
      'GET /api/v1/explorer/books': {
        status: 404,
        body: {
          statusCode: 404,
          code: 'REGISTRY_MODEL_NOT_FOUND',
          message: 'no model "recommender"',
          field: 'model',
        },
      },
    });
    renderAs(['viewer'], <Explorer />);
    expect(await screen.findByText(/No model is registered yet/)).toBeTruthy();
    expect(screen.getByText(/bookml run recommender/)).toBeTruthy();
  });

  it("shows the API's error code when something else fails", async () => {
    fakeApi({
      'GET /api/v1/explorer/books': {
        status: 500,
        body: { statusCode: 500, code: 'MODEL_BUNDLE_CORRUPT', message: 'scores.f64 does not match' },
      },
    });
    renderAs(['viewer'], <Explorer />);
    expect((await screen.findByRole('alert')).textContent).toContain('MODEL_BUNDLE_CORRUPT');
  });
});
