import { describe, expect, it } from 'vitest';
import { datasetPath, idempotencyKey } from './webhook-bodies.js';

describe('dataset URI', () => {
  it('reads a path as given and a local file:// URI as its decoded path', () => {
    expect(datasetPath('/data/orders.csv')).toBe('/data/orders.csv');
    expect(datasetPath('exports/orders.jsonl')).toBe('exports/orders.jsonl');
    expect(datasetPath('file:///data/orders%202026.csv')).toBe('/data/orders 2026.csv');
    expect(datasetPath('file://localhost/data/a.csv')).toBe('/data/a.csv');
  });

  it('passes s3://bucket/key and pvc://claim/path as given: the ingest step fetches them', () => {
    expect(datasetPath('s3://exports/orders/2026-01.csv')).toBe('s3://exports/orders/2026-01.csv');
    expect(datasetPath('pvc://exports/orders.csv')).toBe('pvc://exports/orders.csv');
  });

  it('refuses other schemes, remote hosts and NUL bytes, naming dataset_uri and not repeating it', () => {
    for (const uri of [
      's3://Secret_Bucket/a.csv',
      's3://secret-bucket',
      'pvc://secret-bucket',
      'https://x/a.csv',
      'file://nas/a.csv',
      '/data/a\0.csv',
      ' ',
      'HTTP://x',
    ]) {
      let thrown: unknown;
      try {
        datasetPath(uri);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: 'TRIGGERS_BAD_REQUEST', field: 'dataset_uri', status: 400 });
      expect((thrown as Error).message.toLowerCase()).not.toContain('secret');
    }
  });
});

describe('Idempotency-Key', () => {
  it('is optional, 1–128 visible ASCII characters, sent once', () => {
    expect(idempotencyKey({})).toBeUndefined();
    expect(idempotencyKey({ 'idempotency-key': 'export:2026-01-01#1' })).toBe('export:2026-01-01#1');
    for (const bad of ['', 'a b', 'é', 'x'.repeat(129)]) {
      expect(() => idempotencyKey({ 'idempotency-key': bad })).toThrow(
        expect.objectContaining({ field: 'idempotency-key' }),
      );
    }
    expect(() => idempotencyKey({ 'idempotency-key': ['a', 'b'] as unknown as string })).toThrow();
  });
});
