import type { FastifyInstance } from 'fastify';
import { guardedJsonParser } from '../core/index.js';
import { answerCustomer, customerIdText } from './customer-answer.js';
import { modelNotFound, ServeError } from './errors.js';
import { errorHandler, SERVE_HTTP_SURFACE } from './http-errors.js';
import {
  errorResponses,
  modelListResponse,
  v1ModelResponse,
  v1PredictRequest,
  v1PredictResponse,
} from './response-schemas.js';
import { pickModel, type ServeContext, sendAnswer, sendJson } from './serve-context.js';
import type { ServedModel } from './served-model.js';

function invalidInstance(field: string, reason: string): ServeError {
  return new ServeError('SERVE_INVALID_REQUEST', `${field}: ${reason}`, { field });
}

/**
 * One V1 instance: `{"book_id": 1, "k": 3}`, a bare book id, or `{"customer_id": "7", "k": 3}` (a
 * personal answer from the customer's history; `customer` is then set).
 */
function instanceParts(
  inst: unknown,
  i: number,
  model: ServedModel,
): { raw: unknown; k: number; customer?: string } {
  if (inst !== null && typeof inst === 'object' && !Array.isArray(inst)) {
    const o = inst as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (key !== 'book_id' && key !== 'k' && key !== 'customer_id')
        throw invalidInstance(`instances[${i}].${key}`, 'unknown field');
    }
    let customer: string | undefined;
    if (o.customer_id !== undefined) {
      if (o.book_id !== undefined)
        throw invalidInstance(`instances[${i}].customer_id`, 'give book_id or customer_id, not both');
      customer = customerIdText(o.customer_id);
      if (customer === undefined)
        throw invalidInstance(
          `instances[${i}].customer_id`,
          'must be a 1–256 character string or an integer',
        );
    } else if (o.book_id === undefined) throw invalidInstance(`instances[${i}].book_id`, 'required');
    const k = o.k ?? model.defaultK;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > model.maxK) {
      throw new ServeError(
        'SERVE_INVALID_REQUEST',
        `instances[${i}].k: must be an integer from 1 to ${model.maxK}`,
        { field: `instances[${i}].k` },
      );
    }
    return customer === undefined ? { raw: o.book_id, k } : { raw: undefined, k, customer };
  }
  return { raw: inst, k: model.defaultK };
}

/**
 * KServe V1 (TensorFlow-Serving style): `GET /v1/models`, `GET /v1/models/{name}`,
 * `POST /v1/models/{name}:predict` with `{"instances": [{"book_id": 1, "k": 3}, 98]}` →
 * `{"predictions": [{"book_id": 1, "k": 3, "recommendations": […], "fallback": false}, …]}`. An
 * instance `{"customer_id": "7"}` is answered from that customer's history (`customerAnswer`), with
 * `customer_known` and `history` beside `fallback`.
 * `{"inputs": [...]}` (a list) is accepted as a synonym of `instances`. One bad instance fails the
 * request and the error names it (`instances[1].book_id`). Errors carry KServe's `error` field.
 */
export async function kserveV1Routes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { deployment, config } = ctx;
  const name = config.modelName;
  app.setErrorHandler(errorHandler('kserve'));
  // KServe's server reads an inference body as JSON whatever its Content-Type says (spec §3): plain
  // `curl -d` sends x-www-form-urlencoded, `requests.post(data=…)` sends none, and scripts rely on it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, guardedJsonParser(app, SERVE_HTTP_SURFACE));

  const requireModel = (asked: string) => {
    if (asked !== name) throw modelNotFound(asked);
  };

  const tags = ['kserve-v1'];
  app.get(
    '/v1/models',
    { schema: { summary: 'The models this server answers for', tags, response: { 200: modelListResponse } } },
    (_req, reply) => sendJson(reply, 200, { models: [name] }),
  );

  const modelSchema = {
    summary: "A model's status: ready, and the version answering",
    tags,
    params: { type: 'object', properties: { model: { type: 'string' } } },
    response: { 200: v1ModelResponse, ...errorResponses(404, 503) },
  };
  app.get<{ Params: { model: string } }>('/v1/models/:model', { schema: modelSchema }, (request, reply) => {
    requireModel(request.params.model);
    const m = deployment.primary.current;
    if (m === null) {
      throw new ServeError('SERVE_NOT_READY', `Model with name ${name} is not ready.`);
    }
    sendJson(reply, 200, { name, ready: true, version: m.version });
  });

  app.post<{ Params: { target: string }; Body: { instances?: unknown; inputs?: unknown } }>(
    '/v1/models/:target',
    {
      bodyLimit: config.limits.kserveBodyBytes,
      schema: {
        summary: 'Predict (POST /v1/models/{name}:predict): recommendations for each instance, in order',
        description: 'The verb is part of the last path segment: recommender:predict.',
        tags,
        params: {
          type: 'object',
          properties: { target: { type: 'string', description: 'recommender:predict' } },
        },
        body: { type: 'object' },
        docBody: { mediaType: 'application/json', schema: v1PredictRequest },
        response: { 200: v1PredictResponse, ...errorResponses(400, 404, 413, 501, 503) },
      },
    },
    (request, reply) => {
      // The verb is part of the last path segment (`recommender:predict`), not a route parameter.
      const target = request.params.target;
      const colon = target.lastIndexOf(':');
      const verb = colon < 0 ? '' : target.slice(colon + 1);
      requireModel(colon < 0 ? target : target.slice(0, colon));
      if (verb === 'explain')
        throw new ServeError('SERVE_NOT_IMPLEMENTED', 'explain is not implemented for this model');
      if (verb !== 'predict')
        throw new ServeError('SERVE_ROUTE_NOT_FOUND', `unknown verb "${verb}"; use :predict`, {
          field: 'path',
        });
      const body = request.body;
      const instances = body.instances ?? body.inputs;
      const field = body.instances !== undefined ? 'instances' : 'inputs';
      if (instances === undefined) throw invalidInstance('instances', 'required');
      if (!Array.isArray(instances)) throw invalidInstance(field, `Expected "${field}" to be a list`);
      if (instances.length === 0) throw invalidInstance(field, 'must hold at least one instance');
      if (instances.length > config.limits.maxBatch)
        throw invalidInstance(field, `at most ${config.limits.maxBatch} instances per request`);
      const model = pickModel(ctx, request, undefined);
      // Check every instance before answering any: one bad instance fails the request, and
      // nothing of it reaches the prediction log.
      const n = instances.length;
      const idx = new Int32Array(n);
      const ks = new Int32Array(n);
      const raws: unknown[] = new Array(n);
      let customers: (string | undefined)[] | null = null;
      for (let i = 0; i < n; i++) {
        const { raw, k, customer } = instanceParts(instances[i], i, model);
        ks[i] = k;
        raws[i] = raw;
        if (customer !== undefined) {
          customers ??= new Array<string | undefined>(n).fill(undefined);
          customers[i] = customer;
          idx[i] = -1;
        } else idx[i] = model.indexOfValue(raw, `instances[${i}].book_id`);
      }
      /** Instance i's prediction for a book: its JSON, counted, logged and offered to the shadow. */
      const bookPrediction = (i: number): string => {
        const fallback = model.isFallback(idx[i]);
        if (fallback) model.stats.fallbacks++;
        ctx.predictionLog?.recordItem(model, 'v1', idx[i], raws[i], ks[i]);
        ctx.shadow?.offerItem(model, idx[i], ks[i]);
        return `{"book_id":${model.echoJson(idx[i], raws[i] as string | number)},"k":${
          ks[i]
        },"recommendations":[${model.recommendationsJson(idx[i], ks[i])}],"fallback":${fallback}}`;
      };
      // Customers read their histories (I/O): only such a batch pays for the async path.
      if (customers !== null) {
        const who = customers;
        return Promise.all(
          who.map((c, i) => (c === undefined ? null : answerCustomer(ctx, model, c, ks[i], false))),
        ).then((answers) => {
          let text = '{"predictions":[';
          for (let i = 0; i < n; i++)
            text += `${i === 0 ? '' : ','}${answers[i]?.predictionJson ?? bookPrediction(i)}`;
          sendAnswer(reply, model, `${text}]}`);
          return reply;
        });
      }
      let out = '{"predictions":[';
      for (let i = 0; i < n; i++) out += `${i === 0 ? '' : ','}${bookPrediction(i)}`;
      sendAnswer(reply, model, `${out}]}`);
    },
  );
}
