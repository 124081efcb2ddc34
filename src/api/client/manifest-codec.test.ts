import { describe, expect, it } from 'vitest';
import { encodeDirManifest, isSafeRelativePath } from '../../store/dir-manifest.js';
import { encodeManifest, isSafeManifestPath } from './manifest-codec.js';

describe('the client manifest codec', () => {
  it('writes the bytes the artifact store writes, so both name a directory alike', () => {
    const entries = [
      { path: 'z/last.bin', sha256: 'a'.repeat(64), size: 10, executable: false },
      { path: 'run.sh', sha256: 'b'.repeat(64), size: 3, executable: true },
      { path: 'Upper.txt', sha256: 'c'.repeat(64), size: 0, executable: false },
      { path: 'é/ü.json', sha256: 'd'.repeat(64), size: 1, executable: false },
    ];
    expect(encodeManifest(entries).equals(encodeDirManifest(entries))).toBe(true);
    expect(encodeManifest([]).equals(encodeDirManifest([]))).toBe(true);
  });

  it('accepts the paths the store accepts and no others', () => {
    for (const p of [
      'a',
      'a/b.txt',
      '.hidden',
      'a..b',
      '',
      '/a',
      'a/../b',
      './a',
      'a//b',
      'a\\b',
      'a\0b',
      '..',
    ])
      expect(isSafeManifestPath(p), p).toBe(isSafeRelativePath(p));
  });
});
