import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServeConfig } from './config.js';
import type { HistoryReader } from './customer-answer.js';
import type { Deployment } from './deployment.js';
import type { ServeMetrics } from './metrics.js';
import type { PredictionLog } from './prediction-log.js';
import type { ServedModel } from './served-model.js';
import type { ShadowRunner } from './shadow-runner.js';

/** The services every serving surface shares, decided once when the app is built. */
export interface ServeContext {
  readonly config: ServeConfig;
  readonly deployment: Deployment;
  readonly metrics: ServeMetrics;
  /** Null when the prediction log is off (no sink, or a sample rate of 0). */
  readonly predictionLog: PredictionLog | null;
  /** Null when no shadow is configured. */
  readonly shadow: ShadowRunner | null;
  /** Package version, for `GET /v2`. */
  readonly serverVersion: string;
  /** Customers' histories (the online store); null when none is configured: customers get popularity. */
  readonly history: HistoryReader | null;
}

/** Header naming the model version that answered. */
export const VERSION_HEADER = 'x-bookml-model-version';
/** Header naming the role (primary | canary) that answered. */
export const ROLE_HEADER = 'x-bookml-model-role';
/** Header a caller sets to stay on one side of a canary split (else `customer_id` is used). */
export const ROUTING_KEY_HEADER = 'x-bookml-routing-key';

export const JSON_TYPE = 'application/json; charset=utf-8';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model that answered this request (for the metrics hook); null when none did. */
    bookmlServed: ServedModel | null;
  }
}

/** Send pre-serialised JSON, naming the answering version, and remember it for the metrics hook. */
export function sendAnswer(reply: FastifyReply, model: ServedModel, json: string): void {
  reply.request.bookmlServed = model;
  reply.header(VERSION_HEADER, model.version);
  reply.header(ROLE_HEADER, model.role);
  reply.header('content-type', JSON_TYPE);
  reply.send(json);
}

/** Send a small JSON object built off the hot path (health, metadata). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

/**
 * The model that answers a request. The routing key (the header, else the customer id) is read
 * only while a canary split is live, so a plain deployment pays nothing for it.
 */
export function pickModel(ctx: ServeContext, request: FastifyRequest, customerId: unknown): ServedModel {
  const { deployment } = ctx;
  return deployment.pick(
    deployment.splitting ? routingKeyOf(request.headers[ROUTING_KEY_HEADER], customerId) : undefined,
  );
}

/** The routing key of a request: the header, else the customer id, else none. */
function routingKeyOf(header: string | string[] | undefined, customerId: unknown): string | undefined {
  if (typeof header === 'string' && header !== '') return header;
  if (typeof customerId === 'string' && customerId !== '') return customerId;
  if (typeof customerId === 'number') return String(customerId);
  return undefined;
}
