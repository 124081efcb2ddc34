import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { ArtifactStore } from '../../store/index.js';
import { ApiError } from '../errors.js';
import { routeSchema } from './route-schema.js';
import {
  Binary,
  DirManifestBody,
  LookupBody,
  LookupResult,
  ShaParams,
  StoredBlob,
  StoredDir,
} from './schemas.js';

/** Options of {@link artifactRoutes}. */
export interface ArtifactRoutesOptions {
  /** The content-addressed store; every route answers 501 `API_NOT_AVAILABLE` without one. */
  artifacts: ArtifactStore | undefined;
  /** Largest blob an upload may carry, in bytes. */
  blobLimit: number;
}

/** Largest manifest body, in bytes: a million entries at ~150 bytes each. */
const MANIFEST_LIMIT = 256 * 1024 * 1024;

type Sha = { Params: z.infer<typeof ShaParams> };

/**
 * `/api/v1/artifacts`: the content-addressed store over HTTP, for step pods that hold no store
 * credentials. A blob is uploaded as raw bytes under the sha256 they must hash to (checked while
 * streaming into the store; on a mismatch nothing is stored) and downloaded as a stream the store
 * verifies. A directory is its file blobs plus a manifest, accepted only once every blob it lists is
 * present. Reads need viewer, writes operator.
 */
export async function artifactRoutes(app: FastifyInstance, opts: ArtifactRoutesOptions): Promise<void> {
  const tag = 'artifacts';
  const store = (): ArtifactStore => {
    if (opts.artifacts === undefined) {
      throw new ApiError('API_NOT_AVAILABLE', 'this control plane serves no artifact store');
    }
    return opts.artifacts;
  };

  // Encapsulated here: only these routes take raw bytes, and they take them as the request stream so
  // a bundle or dataset of hundreds of MB flows into the store without being buffered.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.put<Sha>(
    '/artifacts/:sha256',
    {
      config: { role: 'operator' },
      bodyLimit: opts.blobLimit,
      schema: routeSchema({
        summary: 'Upload a blob; its bytes must hash to the sha256 in the path (nothing is stored otherwise)',
        tag,
        params: ShaParams,
        rawBody: { mediaType: 'application/octet-stream', schema: Binary },
        ok: { 201: StoredBlob },
        errors: [413, 501],
      }),
    },
    async (req, reply) => {
      const artifacts = store();
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.blobLimit) throw tooLarge(opts.blobLimit);
      // Any other content type reaches here parsed (JSON `null` included): only a stream is a blob.
      const body = req.body as IncomingMessage | null | undefined;
      if (body === undefined || body === null || typeof body.pipe !== 'function') {
        throw new ApiError('API_BAD_REQUEST', 'send the blob as Content-Type: application/octet-stream', {
          field: 'body',
        });
      }
      // A client abort fails the limiter, so the store's put fails and removes its temp file. Not
      // pipeline(): past the limit that would destroy the request, and the client would get a reset
      // instead of the 413 (pipe() only unpipes, and Node discards the rest of the body).
      const limited = limitBytes(opts.blobLimit);
      body.on('error', (e) => limited.destroy(e));
      // The store's put reads the error through its iterator; this keeps a late 'error' event from
      // surfacing as an uncaught exception.
      limited.on('error', () => {});
      body.pipe(limited);
      const ref = await artifacts.put(limited, { expectSha256: req.params.sha256 });
      return reply.code(201).send(ref);
    },
  );

  app.get<Sha>(
    '/artifacts/:sha256',
    {
      // A HEAD would open and verify the whole blob for nothing: lookups go through POST /artifacts/lookup.
      exposeHeadRoute: false,
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Download a blob (streamed; the connection is cut if its bytes no longer match)',
        tag,
        params: ShaParams,
        ok: { 200: Binary },
        okMediaType: 'application/octet-stream',
        errors: [501],
      }),
    },
    async (req, reply) => {
      const artifacts = store();
      const stream = await artifacts.open(req.params.sha256);
      const stat = await artifacts.stat(req.params.sha256);
      if (stat !== undefined) reply.header('content-length', stat.size);
      return reply.type('application/octet-stream').header('x-bookml-sha256', req.params.sha256).send(stream);
    },
  );

  app.post<{ Body: z.infer<typeof LookupBody> }>(
    '/artifacts/lookup',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Which of these blobs the store holds (so a client uploads only the missing ones)',
        tag,
        body: LookupBody,
        ok: { 200: LookupResult },
        errors: [501],
      }),
    },
    async (req) => {
      const artifacts = store();
      const present: z.infer<typeof LookupResult>['present'] = [];
      const missing: string[] = [];
      for (const sha256 of new Set(req.body.sha256)) {
        const s = await artifacts.stat(sha256);
        if (s === undefined) missing.push(sha256);
        else present.push({ sha256, size: s.size, uri: s.uri });
      }
      return { present, missing };
    },
  );

  app.put<Sha & { Body: z.infer<typeof DirManifestBody> }>(
    '/artifacts/:sha256/manifest',
    {
      config: { role: 'operator' },
      bodyLimit: MANIFEST_LIMIT,
      schema: routeSchema({
        summary:
          "Upload a directory manifest; refused unless every blob it lists is stored and its canonical bytes hash to the path's sha256",
        tag,
        params: ShaParams,
        body: DirManifestBody,
        ok: { 201: StoredDir },
        errors: [501],
      }),
    },
    async (req, reply) => {
      const ref = await store().putManifest(req.body.entries, { expectSha256: req.params.sha256 });
      return reply.code(201).send(ref);
    },
  );

  app.get<Sha>(
    '/artifacts/:sha256/manifest',
    {
      config: { role: 'viewer' },
      schema: routeSchema({
        summary: 'Read a directory manifest (verified): its files, their blobs, sizes and modes',
        tag,
        params: ShaParams,
        ok: { 200: DirManifestBody },
        errors: [501],
      }),
    },
    async (req) => store().readDirManifest(req.params.sha256),
  );
}

/** Fails the stream once more than `limit` bytes went through (a body sent without Content-Length). */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(tooLarge(limit));
      else cb(null, chunk);
    },
  });
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    'API_BODY_TOO_LARGE',
    `a blob may be at most ${limit} bytes on this control plane; nothing was stored`,
    { field: 'body' },
  );
}
