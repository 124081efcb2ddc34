import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetSources } from './dataset-sources.js';

describe('dataset sources: where a dataset URI is read', () => {
  const root = mkdtempSync(join(tmpdir(), 'bookml-sources-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const pvcRoot = join(root, 'pvc');
  mkdirSync(join(pvcRoot, 'exports', 'jan'), { recursive: true });
  const file = join(pvcRoot, 'exports', 'jan', 'orders.csv');
  writeFileSync(file, 'customer_id,book_id,ordered_at\n');
  const fetch = datasetSources({ pvcRoot, s3: {} });

  it('hands local URIs back as paths, a claim under the PVC root', async () => {
    const into = join(root, 'into');
    expect(await fetch('pvc://exports/jan/orders.csv', into)).toBe(file);
    expect(await fetch('pvc://exports/jan', into)).toBe(join(pvcRoot, 'exports', 'jan'));
    expect(await fetch(pathToFileURL(file).href, into)).toBe(file);
    expect(await fetch(`file:${file}`, into)).toBe(file);
    expect(await fetch(file, into)).toBe(file);
  });

  it('answers DATA_NOT_FOUND for what names nothing, escapes its claim, or is on another host', async () => {
    for (const uri of [
      'pvc://exports/feb/orders.csv',
      'pvc://exports/../../etc/passwd',
      'pvc://Exports/jan',
      'pvc://exports',
      'file://nas/orders.csv',
      'ftp://host/orders.csv',
      'relative/orders.csv',
    ]) {
      await expect(fetch(uri, join(root, 'x'))).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
    }
  });
});
