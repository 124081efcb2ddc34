import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TriggersError } from '../errors.js';

/** What {@link loadOrCreateWebhookSecret} found or made. */
export interface WebhookSecret {
  /** The secret itself: never log or print it. */
  readonly secret: string;
  /** The file it lives in. */
  readonly path: string;
  /** True when this call generated it (so `bookml up` can say where a sender finds it). */
  readonly created: boolean;
}

const MIN_LENGTH = 16;

/**
 * The workspace's webhook secret: read from `path`, or — when the file does not exist — 32 random
 * bytes (base64url) written there with mode 0600. Creation is atomic: two processes starting at once
 * end up with the same secret, and no reader ever sees a half-written file. A file that others may
 * read, or that holds fewer than 16 characters, is refused.
 *
 * @throws TriggersError `TRIGGERS_CONFIG_INVALID` (field `path`)
 * @example const { secret, created } = await loadOrCreateWebhookSecret(join(workspace.home, 'webhook-secret'));
 */
export async function loadOrCreateWebhookSecret(path: string): Promise<WebhookSecret> {
  const existing = await read(path);
  if (existing !== undefined) return { secret: existing, path, created: false };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(`${randomBytes(32).toString('base64url')}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    // link() fails if the name exists: the first process to get there wins, whole file at once.
    await link(tmp, path).then(
      () => {
        created = true;
      },
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      },
    );
  } catch (cause) {
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `cannot create the webhook secret file ${path}: ${(cause as Error).message}`,
      {
        field: 'path',
        cause,
      },
    );
  } finally {
    await rm(tmp, { force: true });
  }
  const secret = await read(path);
  if (secret === undefined) {
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `the webhook secret file ${path} vanished while it was created`,
      {
        field: 'path',
      },
    );
  }
  return { secret, path, created };
}

async function read(path: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `cannot read the webhook secret file ${path}: ${(e as Error).message}`,
      {
        field: 'path',
        cause: e,
      },
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `the webhook secret file ${path} may be read by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`,
      { field: 'path' },
    );
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < MIN_LENGTH) {
    throw new TriggersError(
      'TRIGGERS_CONFIG_INVALID',
      `the webhook secret file ${path} holds fewer than ${MIN_LENGTH} characters; delete it to have a new secret generated`,
      { field: 'path' },
    );
  }
  return secret;
}
