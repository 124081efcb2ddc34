import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bookmlBin, hasBuiltBin } from './fixtures/cli.js';
import { startS3rver } from './fixtures/s3rver.js';

const s3 = await startS3rver(['models']);
const home = mkdtempSync(join(tmpdir(), 'bookml-train-s3-'));
afterAll(async () => {
  if (typeof s3 !== 'string') await s3.close();
  rmSync(home, { recursive: true, force: true });
});

/**
 * `bookml train` and `bookml recommend` reach the artifact store through the app's configuration:
 * with `BOOKML_ARTIFACTS=s3://…` they use its S3 settings (endpoint, path style, keys), as `up` and the
 * API do, so a model trained on the command line lands in the bucket and is read back from it.
 */
describe.skipIf(!hasBuiltBin || typeof s3 === 'string')(
  `train and recommend on an S3 artifact store ${typeof s3 === 'string' ? s3 : ''}`,
  () => {
    // Asynchronously: s3rver answers from this process, so a blocking spawn would wait on itself.
    const run = async (...args: string[]) => {
      const env = typeof s3 === 'string' ? {} : s3.env;
      const r = await promisify(execFile)(process.execPath, [bookmlBin, ...args, '--json'], {
        env: { ...process.env, ...env, BOOKML_HOME: home, BOOKML_ARTIFACTS: 's3://models/bookml' },
        encoding: 'utf8',
      });
      return JSON.parse(r.stdout);
    };

    it('stores the trained bundle in the bucket and recommends from it', async () => {
      await run('data', 'generate');
      const trained = await run('train');
      expect(trained.artifact.uri).toMatch(/^s3:\/\/models\/bookml\//);
      const answer = await run('recommend', '--book', '1', '-k', '3');
      expect(JSON.stringify(answer)).toContain('"book_id"');
    });
  },
);
