import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerCustomer } from './customer-answer.js';
import { ServeError } from './errors.js';
import { explainedAnswerJson } from './explain-answer.js';
import { errorHandler } from './http-errors.js';
import { errorResponses } from './response-schemas.js';
import { pickModel, type ServeContext, sendAnswer } from './serve-context.js';

/** Largest k any request may name before the model's own limit is checked (keeps schemas honest). */
const K_CEILING = 1000;

const recommendationSchema = {
  type: 'object',
  properties: {
    book_id: { type: ['integer', 'string'] },
    score: { type: 'number' },
    padded: {
      type: 'boolean',
      description: 'present (true) when the entry pads a short answer from the popularity list',
    },
    title: { type: 'string' },
    author: { type: 'string' },
    because: {
      type: 'array',
      description:
        'with explain=true: the basket books that scored it, largest share first (empty for padding)',
      items: {
        type: 'object',
        properties: {
          book_id: { type: ['integer', 'string'] },
          similarity: { type: 'number' },
          co_buys: { type: ['integer', 'null'], description: 'rows that bought both; null when not stored' },
          title: { type: 'string' },
        },
      },
    },
  },
} as const;

const answerSchema = {
  type: 'object',
  required: ['k', 'recommendations', 'version', 'fallback'],
  properties: {
    book_id: { type: ['integer', 'string'] },
    book_ids: { type: 'array', items: { type: ['integer', 'string'] } },
    k: { type: 'integer' },
    recommendations: { type: 'array', items: recommendationSchema },
    version: { type: 'string', description: 'the model version that answered' },
    fallback: { type: 'boolean', description: 'true when the popularity list stood in' },
    customer_id: { type: 'string', description: 'a personal answer: the customer whose history was scored' },
    customer_known: {
      type: 'boolean',
      description: 'a personal answer: false when the online store holds no history for the customer',
    },
    history: {
      type: 'object',
      description: "a personal answer: the history's distinct books, and how many the model does not know",
      properties: { books: { type: 'integer' }, unknown: { type: 'integer' } },
    },
    co_buys_available: {
      type: 'boolean',
      description: 'with explain=true: whether the model stored co-buy counts',
    },
    unknown: {
      type: 'array',
      items: { type: ['integer', 'string'] },
      description: 'basket form: the book ids the model does not know',
    },
  },
} as const;

const tags = ['recommend'];
const errors = errorResponses(400, 404, 413, 415, 503);

/** `?explain=true` on either form: each recommendation carries its evidence (a slower path). */
const explainQuery = {
  type: 'object',
  properties: { explain: { type: 'boolean' } },
} as const;

interface ItemQuery {
  /** Absent: a personal answer for `customer_id`. */
  book_id?: string;
  k?: number;
  customer_id?: string;
  explain?: boolean;
}

interface BasketBody {
  book_ids: unknown[];
  k?: number;
  customer_id?: string | number;
}

/**
 * `/recommend`: one book by query string (the hot path, a table read and a string slice), one
 * customer by query string (`?customer_id=…` alone: from their history in the online store), or a
 * basket by JSON body. Book ids are validated against the answering model's id type (integers for
 * the Bookstore, names such as "whole milk" for a groceries dataset); an unknown book gets the
 * popularity list with `"fallback": true`.
 */
export async function recommendRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { config } = ctx;
  app.setErrorHandler(errorHandler('bookml'));
  // JSON only: a text/plain body is refused with 415 instead of failing the schema.
  app.removeContentTypeParser('text/plain');

  app.get<{ Querystring: ItemQuery }>(
    '/recommend',
    {
      schema: {
        summary: 'Customers who bought this book also bought… (one book, by query string)',
        description:
          'An unknown book gets the popularity list with "fallback": true. explain=true adds the evidence.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            book_id: { type: 'string', minLength: 1, maxLength: 256 },
            k: { type: 'integer', minimum: 1, maximum: K_CEILING },
            // With book_id: the canary routing key. Alone: recommend from the customer's history.
            customer_id: { type: 'string', minLength: 1, maxLength: 256 },
            explain: { type: 'boolean' },
          },
        },
        response: { 200: answerSchema, ...errors },
      },
    },
    (request: FastifyRequest<{ Querystring: ItemQuery }>, reply: FastifyReply) => {
      const q = request.query;
      const model = pickModel(ctx, request, q.customer_id);
      const k = q.k ?? model.defaultK;
      if (q.book_id === undefined) {
        if (q.customer_id === undefined) {
          throw new ServeError('SERVE_INVALID_REQUEST', 'querystring: give book_id or customer_id', {
            field: 'book_id',
          });
        }
        // The customer's history is read from the online store: the one path here that waits on I/O.
        return answerCustomer(ctx, model, q.customer_id, k, q.explain === true).then((a) => {
          sendAnswer(reply, model, a.json);
          return reply;
        });
      }
      model.recommender.checkK(k);
      const idx = model.indexOfText(q.book_id, 'book_id');
      if (model.isFallback(idx)) model.stats.fallbacks++;
      const echo = model.echoJson(idx, q.book_id);
      const json = q.explain
        ? explainedAnswerJson(
            model,
            `"book_id":${echo},"k":${k}`,
            Int32Array.of(idx),
            model.recommender.forItem(idx, k),
          )
        : model.singleAnswerJson(idx, echo, k);
      sendAnswer(reply, model, json);
      ctx.predictionLog?.recordItem(model, 'recommend', idx, q.book_id, k);
      ctx.shadow?.offerItem(model, idx, k);
    },
  );

  app.post<{ Body: BasketBody; Querystring: { explain?: boolean } }>(
    '/recommend',
    {
      bodyLimit: config.limits.recommendBodyBytes,
      schema: {
        summary: 'Recommendations for a basket of books (JSON body); unknown ids are listed, not refused',
        tags,
        querystring: explainQuery,
        body: {
          type: 'object',
          required: ['book_ids'],
          additionalProperties: false,
          properties: {
            book_ids: {
              type: 'array',
              minItems: 1,
              maxItems: config.limits.maxBasket,
              // Checked against the answering model's id type by the handler (integers or names):
              // a schema type here would let Ajv coerce 1.5 into "1.5".
              items: {},
            },
            k: { type: 'integer', minimum: 1, maximum: K_CEILING },
            customer_id: { type: ['string', 'integer'] },
          },
        },
        response: { 200: answerSchema, ...errors },
      },
    },
    (request, reply) => {
      const body = request.body;
      const model = pickModel(ctx, request, body.customer_id);
      const k = body.k ?? model.defaultK;
      model.recommender.checkK(k);
      const raws = body.book_ids;
      const idx = new Int32Array(raws.length);
      let echo = '';
      let unknown = '';
      for (let i = 0; i < raws.length; i++) {
        idx[i] = model.indexOfValue(raws[i], 'book_ids', i);
        const e = model.echoJson(idx[i], raws[i] as string | number);
        echo += i === 0 ? e : `,${e}`;
        if (idx[i] < 0) unknown += unknown === '' ? e : `,${e}`;
      }
      const answer = model.recommender.forBasket(idx, k);
      if (answer.fallback) model.stats.fallbacks++;
      sendAnswer(
        reply,
        model,
        request.query.explain
          ? explainedAnswerJson(
              model,
              `"book_ids":[${echo}],"k":${k}`,
              idx,
              answer,
              `,"unknown":[${unknown}]`,
            )
          : `{"book_ids":[${echo}],"k":${k},"recommendations":[${model.answerJson(answer)}],"version":${
              model.versionJson
            },"fallback":${answer.fallback},"unknown":[${unknown}]}`,
      );
      ctx.predictionLog?.recordBasket(model, idx, raws, k);
      ctx.shadow?.offerBasket(model, idx, k);
    },
  );
}
