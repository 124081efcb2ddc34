import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every folder's door under snapshot: a changed public surface (a name added, removed, or turned
 * from a value into a class) shows up as a diff in review. Type-only exports vanish at run time;
 * the kinds here are what other folders can call. Update with `npx vitest run test/exports.test.ts -u`.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
/** Each folder's `index.ts`, and the named sub-doors (see test/architecture.test.ts). */
const SUB_DOORS = [
  'api/client',
  'pipeline/compile',
  'pipeline/executor',
  'pipeline/runner',
  'store/artifacts',
  'store/predictions',
];
const folders = [
  ...readdirSync(src).filter(
    (f) => statSync(join(src, f)).isDirectory() && existsSync(join(src, f, 'index.ts')),
  ),
  ...SUB_DOORS.filter((d) => existsSync(join(src, d, 'index.ts'))),
].sort();

function kindOf(value: unknown): string {
  if (typeof value === 'function')
    return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

describe('public doors', () => {
  for (const folder of folders) {
    it(`src/${folder}/index.ts`, async () => {
      const door = (await import(join(src, folder, 'index.ts'))) as Record<string, unknown>;
      const surface = Object.keys(door)
        .sort()
        .map((name) => `${name}: ${kindOf(door[name])}`);
      expect(surface).toMatchSnapshot();
    });
  }
});
