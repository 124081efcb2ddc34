import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ioError, notFound } from '../artifact-files.js';
import { isSafeRelativePath } from '../dir-manifest.js';
import { StoreError } from '../errors.js';
import { isMissingKey, type S3Location, s3Error } from './s3-client.js';

/** Most objects {@link downloadS3} fetches under one prefix: a dataset is a handful of files. */
const MAX_OBJECTS = 1000;

/**
 * Fetch what an `s3://` URI names into the local folder `into` (absent or empty): an object lands as
 * `into/<its file name>` and that path is returned; a prefix (a key ending in `/`, or one with no object
 * of its own) lands file by file under `into`, which is returned. Files appear only once whole.
 * @throws StoreError `STORE_ARTIFACT_NOT_FOUND` (field `uri`) when nothing is there
 * @example await downloadS3(client, { bucket: 'exports', key: 'orders/2026-01.csv' }, scratch) // '<scratch>/2026-01.csv'
 */
export async function downloadS3(client: S3Client, at: S3Location, into: string): Promise<string> {
  const uri = `s3://${at.bucket}/${at.key}`;
  await mkdir(into, { recursive: true });
  if (at.key !== '' && !at.key.endsWith('/')) {
    const name = posix.basename(at.key);
    const fetched = await fetchObject(client, at, join(into, name), uri);
    if (fetched) return join(into, name);
  }
  const prefix = at.key === '' || at.key.endsWith('/') ? at.key : `${at.key}/`;
  const keys = await listKeys(client, at.bucket, prefix, uri);
  if (keys.length === 0) {
    throw new StoreError('STORE_ARTIFACT_NOT_FOUND', `${uri}: no object or prefix with that name`, {
      field: 'uri',
    });
  }
  for (const key of keys) {
    const rel = key.slice(prefix.length);
    if (!isSafeRelativePath(rel)) continue; // folder markers (`a/`) and odd keys name no file
    await fetchObject(client, { bucket: at.bucket, key }, join(into, ...rel.split('/')), uri);
  }
  return into;
}

async function listKeys(client: S3Client, bucket: string, prefix: string, uri: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((e) => {
        throw s3Error(e, 'listing a dataset', uri, 'uri');
      });
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined && keys.length <= MAX_OBJECTS);
  if (keys.length > MAX_OBJECTS) {
    throw new StoreError(
      'STORE_CONFIG_INVALID',
      `${uri} holds more than ${MAX_OBJECTS} objects; name the dataset's own folder or file`,
      { field: 'uri' },
    );
  }
  return keys;
}

/** Downloads one object to `to` (via a temp name); `false` when the key does not exist. */
async function fetchObject(client: S3Client, at: S3Location, to: string, uri: string): Promise<boolean> {
  let body: Readable;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }));
    if (out.Body === undefined) throw notFound(at.key);
    body = out.Body as Readable;
  } catch (e) {
    if (isMissingKey(e)) return false;
    throw s3Error(e, 'fetching a dataset', uri, 'uri');
  }
  await mkdir(dirname(to), { recursive: true });
  const partial = `${to}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, to);
  } catch (e) {
    await rm(partial, { force: true });
    throw ioError(e, `fetching ${uri}`);
  }
  return true;
}
