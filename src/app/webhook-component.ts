import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { App } from './app.js';
import type { Component } from './host.js';

/** The webhook server once listening. */
export interface WebhookInfo {
  readonly url: string;
  /** Where the HMAC secret is kept (absent when it came from BOOKML_WEBHOOK_SECRET). */
  readonly secretPath: string | null;
}

/** The hosted webhook: its app, address and secret once started. */
export interface WebhookComponent extends Component {
  readonly app: FastifyInstance | null;
  readonly info: WebhookInfo | null;
  /** The HMAC secret (for the signed curl example; never logged). */
  readonly secret: string | null;
}

/**
 * The signed webhook (`POST /recommender-dataset-ready`, `POST /events/:source`) as a hosted component,
 * publishing on the app's event bus. The secret is `BOOKML_WEBHOOK_SECRET`, or one generated into
 * `<workspace>/webhook-secret` (mode 0600) on first start.
 */
export function webhookComponent(app: App, options: { host?: string; port?: number } = {}): WebhookComponent {
  let fastify: FastifyInstance | null = null;
  let info: WebhookInfo | null = null;
  let secret: string | null = null;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 12000;
  return {
    name: 'webhook',
    get app() {
      return fastify;
    },
    get info() {
      return info;
    },
    get secret() {
      return secret;
    },
    start: async () => {
      const [{ buildWebhookApp, loadOrCreateWebhookSecret }, db, bus] = await Promise.all([
        import('../triggers/index.js'),
        app.stores.db(),
        app.stores.bus(),
      ]);
      let secretPath: string | null = null;
      if (app.config.webhookSecret !== undefined) secret = app.config.webhookSecret;
      else {
        const loaded = await loadOrCreateWebhookSecret(join(app.workspace.root, 'webhook-secret'));
        secret = loaded.secret;
        secretPath = loaded.path;
      }
      const f = buildWebhookApp({ bus, db, clock: app.clock, secret });
      try {
        await f.listen({ host, port });
      } catch (e) {
        await f.close();
        throw e;
      }
      fastify = f;
      const address = f.server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      info = { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, secretPath };
    },
    stop: async () => {
      await fastify?.close();
    },
  };
}
