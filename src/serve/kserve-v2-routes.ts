import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { guardedJsonParser } from '../core/index.js';
import { answerCustomer } from './customer-answer.js';
import { modelNotFound, ServeError } from './errors.js';
import { errorHandler, SERVE_HTTP_SURFACE } from './http-errors.js';
import {
  errorResponses,
  modelListResponse,
  v2InferRequest,
  v2InferResponse,
  v2LiveResponse,
  v2MetadataResponse,
  v2ReadyResponse,
  v2ServerResponse,
} from './response-schemas.js';
import { pickModel, type ServeContext, sendAnswer, sendJson } from './serve-context.js';
import type { ServedModel } from './served-model.js';
import { inferOutputsJson, parseInferRequest } from './v2-tensors.js';

interface ModelParams {
  name: string;
  version?: string;
}

/**
 * Open Inference Protocol (KServe V2) REST: health, server and model metadata, readiness and
 * `infer` with typed tensors (spec/kserve.md §2 and §4.1). Health answers by status code with
 * KServe's JSON bodies; errors are `{"error": …}` plus bookml's `code` and `field`. Versioned
 * paths (`/versions/{v}`) reach any loaded version — primary, canary or shadow — by its version.
 */
export async function kserveV2Routes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { deployment, config } = ctx;
  const name = config.modelName;
  const nameJson = JSON.stringify(name);
  app.setErrorHandler(errorHandler('kserve'));
  // KServe's server reads an inference body as JSON whatever its Content-Type says (spec §3): plain
  // `curl -d` sends x-www-form-urlencoded, `requests.post(data=…)` sends none, and scripts rely on it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, guardedJsonParser(app, SERVE_HTTP_SURFACE));

  /** The model a path names; unknown name → 404, not loaded → 503 (checked before the body). */
  const modelOf = (p: ModelParams): ServedModel => {
    if (p.name !== name) {
      throw modelNotFound(p.name);
    }
    if (p.version !== undefined) {
      const m = deployment.byVersion(p.version);
      if (m === null) {
        throw new ServeError(
          'SERVE_VERSION_NOT_LOADED',
          `Model ${name} version ${p.version} is not loaded here; see GET /v2/models/${name}`,
          { field: 'version' },
        );
      }
      return m;
    }
    const m = deployment.primary.current;
    if (m === null) {
      throw new ServeError('SERVE_NOT_READY', `Model with name ${name} is not ready.`, {
        retryAfterMs: 1000,
      });
    }
    return m;
  };

  const tags = ['kserve-v2'];
  const doc = (summary: string, response: Record<string, unknown>, params?: readonly string[]) => ({
    schema: {
      summary,
      tags,
      ...(params
        ? {
            params: {
              type: 'object',
              properties: Object.fromEntries(params.map((p) => [p, { type: 'string' }])),
            },
          }
        : {}),
      response,
    },
  });
  app.get('/v2/health/live', doc('Server live', { 200: v2LiveResponse }), (_req, reply) =>
    sendJson(reply, 200, { live: true }),
  );
  app.get(
    '/v2/health/ready',
    doc('Server ready: a model answers', { 200: v2ReadyResponse, 503: v2ReadyResponse }),
    (_req, reply) => {
      if (deployment.ready) sendJson(reply, 200, { ready: true });
      else sendJson(reply, 503, { error: 'Server is not ready.', ready: false });
    },
  );
  app.get('/v2', doc('Server metadata', { 200: v2ServerResponse }), (_req, reply) =>
    sendJson(reply, 200, { name: 'bookml', version: ctx.serverVersion, extensions: [] }),
  );
  app.get(
    '/v2/models',
    doc('The models this server answers for', { 200: modelListResponse }),
    (_req, reply) => sendJson(reply, 200, { models: [name] }),
  );

  const metadata = (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const m = modelOf(request.params);
    const versions = deployment.slots
      .map((s) => s.current?.version)
      .filter((v): v is string => v !== undefined);
    const idType = m.numericIds ? 'INT64' : 'BYTES';
    sendJson(reply, 200, {
      name,
      versions: [...new Set(versions)],
      platform: 'bookml_itemknn',
      inputs: [
        { name: 'book_id', datatype: idType, shape: [-1] },
        { name: 'k', datatype: 'INT32', shape: [1] },
        // Instead of book_id: personal answers from each customer's history.
        { name: 'customer_id', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'book_ids', datatype: idType, shape: [-1, -1] },
        { name: 'scores', datatype: 'FP32', shape: [-1, -1] },
        { name: 'count', datatype: 'INT32', shape: [-1] },
        { name: 'fallback', datatype: 'BOOL', shape: [-1] },
        { name: 'padded', datatype: 'BOOL', shape: [-1, -1] },
      ],
      parameters: { version: m.version, max_k: m.maxK, default_k: m.defaultK, books: m.nItems },
    });
  };
  const metadataResponse = { 200: v2MetadataResponse, ...errorResponses(404, 503) };
  app.get(
    '/v2/models/:name',
    doc('Model metadata: inputs, outputs, loaded versions', metadataResponse, ['name']),
    metadata,
  );
  app.get(
    '/v2/models/:name/versions/:version',
    doc('Metadata of one loaded version (primary, canary or shadow)', metadataResponse, ['name', 'version']),
    metadata,
  );

  const ready = (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    modelOf(request.params);
    sendJson(reply, 200, { name, ready: true });
  };
  const readyResponse = { 200: v2ReadyResponse, ...errorResponses(404, 503) };
  app.get('/v2/models/:name/ready', doc('Model ready', readyResponse, ['name']), ready);
  app.get(
    '/v2/models/:name/versions/:version/ready',
    doc('One loaded version ready', readyResponse, ['name', 'version']),
    ready,
  );

  const inferSchema = (summary: string, params: readonly string[]) => ({
    ...doc(summary, { 200: v2InferResponse, ...errorResponses(400, 404, 413, 503) }, params).schema,
    body: { type: 'object' },
    docBody: { mediaType: 'application/json', schema: v2InferRequest },
  });
  const infer = {
    bodyLimit: config.limits.kserveBodyBytes,
    // Unknown model and not-ready are answered before the body is read, as the KServe server does.
    onRequest: async (request: FastifyRequest) => {
      modelOf(request.params as ModelParams);
    },
  };
  const handler = (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const p = request.params;
    const model = p.version !== undefined ? modelOf(p) : pickModel(ctx, request, undefined);
    const req = parseInferRequest(request.body, model, config.limits.maxBatch);
    if (req.customers !== null) {
      const who = req.customers;
      return Promise.all(who.map((c) => answerCustomer(ctx, model, c, req.k, false))).then((answers) => {
        sendInferAnswer(
          reply,
          model,
          req.id,
          inferOutputsJson(
            model,
            req,
            answers.map((a) => a.answer),
          ),
        );
        return reply;
      });
    }
    const outputs = inferOutputsJson(model, req);
    for (let r = 0; r < req.idx.length; r++) {
      if (model.isFallback(req.idx[r])) model.stats.fallbacks++;
      ctx.predictionLog?.recordItem(model, 'v2', req.idx[r], req.raws[r], req.k);
      ctx.shadow?.offerItem(model, req.idx[r], req.k);
    }
    sendInferAnswer(reply, model, req.id, outputs);
  };
  const sendInferAnswer = (
    reply: FastifyReply,
    model: ServedModel,
    id: string | undefined,
    outputs: string,
  ) =>
    sendAnswer(
      reply,
      model,
      `{"model_name":${nameJson},"model_version":${model.versionJson}${
        id === undefined ? '' : `,"id":${JSON.stringify(id)}`
      },"outputs":${outputs}}`,
    );
  app.post<{ Params: ModelParams }>(
    '/v2/models/:name/infer',
    {
      ...infer,
      schema: inferSchema(
        'Infer: book_id or customer_id tensor in; book_ids, scores, count, fallback, padded out',
        ['name'],
      ),
    },
    handler,
  );
  app.post<{ Params: ModelParams }>(
    '/v2/models/:name/versions/:version/infer',
    { ...infer, schema: inferSchema('Infer with one loaded version', ['name', 'version']) },
    handler,
  );
}
