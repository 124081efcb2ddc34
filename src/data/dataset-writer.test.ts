import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFilesWriter } from './dataset-writer.js';

describe('DatasetFilesWriter.destroy', () => {
  it('resolves once every file is closed, so a failed import can remove its folder at once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bookml-writer-'));
    try {
      // A failure right after opening (a header-only file) used to race the streams' own opens:
      // the folder's removal saw files appear under it (ENOTEMPTY) and the import's error was lost.
      for (let i = 0; i < 20; i++) {
        const dir = join(root, `w${i}`);
        const w = new DatasetFilesWriter(dir);
        await w.destroy();
        expect(readdirSync(dir).sort()).toEqual([
          'books.csv',
          'customers.csv',
          'order_lines.csv',
          'orders.csv',
        ]);
        rmSync(dir, { recursive: true });
        expect(existsSync(dir)).toBe(false);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
