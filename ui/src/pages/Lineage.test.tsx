// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LineageGraphNodePayload } from '../../../src/api/ui-types.js';
import { fakeApi, renderAs } from '../test-utils.js';
import Lineage, { lineageHref } from './Lineage.js';

const none = { detail: null, phase: null, runId: null, model: null, version: null, hash: null };
const graph = {
  focus: 'version:recommender:2',
  nodes: [
    {
      ...none,
      id: 'dataset:abc',
      kind: 'dataset',
      label: 'dataset abc',
      detail: 'synthetic:seed=7',
      hash: 'abc',
    },
    { ...none, id: 'run:r1', kind: 'run', label: 'run r1', phase: 'Succeeded', runId: 'r1' },
    { ...none, id: 'node:r1/train', kind: 'node', label: 'train', phase: 'Succeeded', runId: 'r1' },
    { ...none, id: 'artifact:ff', kind: 'artifact', label: 'bundle', detail: 'ff', hash: 'ff' },
    {
      ...none,
      id: 'version:recommender:2',
      kind: 'version',
      label: 'recommender v2',
      model: 'recommender',
      version: 2,
    },
    {
      ...none,
      id: 'alias:recommender:production',
      kind: 'alias',
      label: 'production',
      model: 'recommender',
      version: 2,
    },
  ],
  edges: [
    { from: 'dataset:abc', to: 'run:r1' },
    { from: 'run:r1', to: 'node:r1/train' },
    { from: 'node:r1/train', to: 'artifact:ff' },
    { from: 'artifact:ff', to: 'version:recommender:2' },
    { from: 'version:recommender:2', to: 'alias:recommender:production' },
  ],
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Lineage', () => {
  it("lists a version's lineage, each part linked to its page", async () => {
    fakeApi({ 'GET /api/v1/lineage/models/recommender/versions/2': { body: graph } });
    renderAs(['viewer'], <Lineage model="recommender" version="2" />);
    expect(await screen.findByRole('heading', { name: 'Lineage of recommender v2' })).toBeTruthy();
    expect((await screen.findByRole('link', { name: 'run r1' })).getAttribute('href')).toBe('/runs/r1');
    expect(screen.getByRole('link', { name: 'train' }).getAttribute('href')).toBe('/runs/r1');
    expect(screen.getByRole('link', { name: 'recommender v2' }).getAttribute('href')).toBe(
      '/models/recommender?version=2',
    );
    expect(screen.getByRole('link', { name: 'dataset abc' }).getAttribute('href')).toBe('/data?dataset=abc');
    expect(screen.getByRole('link', { name: 'production' }).getAttribute('href')).toBe('/models/recommender');
    // An artifact has no page of its own.
    expect(screen.queryByRole('link', { name: 'bundle' })).toBeNull();
  });

  it('where each kind of box leads', () => {
    const n = (o: Partial<LineageGraphNodePayload>) =>
      ({ ...none, id: 'x', label: 'x', ...o }) as LineageGraphNodePayload;
    expect(lineageHref(n({ kind: 'node', runId: 'r 1' }))).toBe('/runs/r%201');
    expect(lineageHref(n({ kind: 'artifact', hash: 'ff' }))).toBeNull();
  });

  it('without a subject, picks among versions and runs; without a model, names the command', async () => {
    fakeApi({ 'GET /api/v1/models': { body: { models: [] } }, 'GET /api/v1/runs': { body: { runs: [] } } });
    renderAs(['viewer'], <Lineage />);
    expect(await screen.findByText(/No model is registered yet/)).toBeTruthy();
    expect(screen.getByText(/bookml run recommender/)).toBeTruthy();
  });

  it("shows the API's error for an unknown run", async () => {
    fakeApi({
      'GET /api/v1/lineage/runs/nope': {
        status: 404,
        body: { statusCode: 404, code: 'RUN_NOT_FOUND', message: 'run nope does not exist' },
      },
    });
    renderAs(['viewer'], <Lineage run="nope" />);
    expect((await screen.findByRole('alert')).textContent).toContain('RUN_NOT_FOUND');
  });

  it('the picker opens a run typed by id', async () => {
    fakeApi({
      'GET /api/v1/models': { body: { models: [{ name: 'recommender', aliases: {}, latestVersion: 1 }] } },
      'GET /api/v1/models/recommender/versions': {
        body: { versions: [{ version: 1, aliases: ['production'], createdAt: 1_700_000_000_000 }] },
      },
      'GET /api/v1/runs': { body: { runs: [] } },
    });
    renderAs(['viewer'], <Lineage />);
    expect((await screen.findByRole('link', { name: 'recommender v1' })).getAttribute('href')).toBe(
      '/lineage/models/recommender/versions/1',
    );
    fireEvent.change(screen.getByLabelText('Run id'), { target: { value: 'r1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show lineage' }));
  });
});
