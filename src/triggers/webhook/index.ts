/**
 * The signed webhook: `POST /recommender-dataset-ready` and `POST /events/:source` turned into bus
 * events, authenticated by an HMAC signature with a timestamp (replays refused) or a bearer token.
 *
 * @example
 * const { secret } = await loadOrCreateWebhookSecret(join(workspace.home, 'webhook-secret'));
 * const app = buildWebhookApp({ bus, db: mdb, secret });
 * const headers = signedWebhookHeaders(secret, body, Date.now());
 * await app.listen({ host: '127.0.0.1', port: 12000 });
 */

export { SIGNATURE_HEADER, signedWebhookHeaders, signWebhook, TIMESTAMP_HEADER } from './signature.js';
export type { WebhookAppOptions } from './webhook-app.js';
export { buildWebhookApp } from './webhook-app.js';
export type { DatasetReadyBody, DatasetReadyPayload } from './webhook-bodies.js';
export { datasetPath } from './webhook-bodies.js';
export type { WebhookDeps } from './webhook-routes.js';
export { webhookRoutes } from './webhook-routes.js';
export type { WebhookSecret } from './webhook-secret.js';
export { loadOrCreateWebhookSecret } from './webhook-secret.js';
