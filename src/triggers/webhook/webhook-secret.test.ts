import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateWebhookSecret } from './webhook-secret.js';

describe('webhook secret file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookml-secret-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a random secret with mode 0600 once, then reads the same one', async () => {
    const path = join(dir, 'nested', 'webhook-secret');
    const first = await loadOrCreateWebhookSecret(path);
    expect(first).toMatchObject({ path, created: true });
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.secret);
    expect(await loadOrCreateWebhookSecret(path)).toEqual({ ...first, created: false });
    const other = await loadOrCreateWebhookSecret(join(dir, 'other'));
    expect(other.secret).not.toBe(first.secret);
  });

  it('gives processes racing to create it one secret', async () => {
    const path = join(dir, 'webhook-secret');
    const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateWebhookSecret(path)));
    expect(new Set(all.map((s) => s.secret)).size).toBe(1);
    expect(all.filter((s) => s.created)).toHaveLength(1);
  });

  it('refuses a file others can read, or one too short to be a secret', async () => {
    const open = join(dir, 'open');
    await writeFile(open, 'a-long-enough-secret-value', { mode: 0o644 });
    await chmod(open, 0o644);
    await expect(loadOrCreateWebhookSecret(open)).rejects.toMatchObject({
      code: 'TRIGGERS_CONFIG_INVALID',
      field: 'path',
    });
    const short = join(dir, 'short');
    await writeFile(short, 'short\n', { mode: 0o600 });
    const e = await loadOrCreateWebhookSecret(short).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'TRIGGERS_CONFIG_INVALID' });
    expect((e as Error).message).not.toContain('short\n');
  });
});
