// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-utils.js';
import ApiReference from './ApiReference.js';

const control = {
  info: { title: 'bookml control plane', version: '0.1.0' },
  paths: {
    '/api/v1/models/{model}': {
      get: {
        summary: 'Get a model',
        tags: ['models'],
        'x-bookml-role': 'viewer',
        parameters: [{ name: 'model', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/api/v1/models/{model}/rollback': {
      post: {
        summary: 'Roll back',
        tags: ['aliases'],
        'x-bookml-role': 'operator',
        requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '200': { description: 'OK' } },
      },
    },
  },
};
const serving = {
  info: { title: 'bookml serving', version: '0.1.0' },
  paths: {
    '/recommend': { get: { summary: 'Customers who bought this book also bought…', tags: ['recommend'] } },
  },
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fakeDocs() {
  // The documents live beside /api/v1, so the fake answers by full path.
  return fakeApi({
    'GET /api/docs': { body: control },
    'GET /api/docs/serving.json': { body: serving },
    'GET /api/v1/models/recommender': { body: { name: 'recommender' } },
  });
}

describe('API reference', () => {
  it('shows the control plane and the serving API, and tries a call with the token', async () => {
    const calls = fakeDocs();
    renderAs(['viewer'], <ApiReference />);
    expect(await screen.findByText(/Get a model/)).toBeTruthy();
    fireEvent.change(screen.getAllByLabelText('model')[0], { target: { value: 'recommender' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send GET' }));
    await waitFor(() => expect(screen.getByText(/"name": "recommender"/)).toBeTruthy());
    expect(calls.map((c) => c.path)).toContain('/api/v1/models/recommender');
    // A viewer cannot try what needs the operator role.
    expect(screen.getByText('Trying it needs the operator role.')).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Serving API' }));
    expect(await screen.findByText(/Customers who bought this book also bought/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Send/ })).toBeNull();
  });
});
