import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Component } from './host.js';

/** The metrics server once listening. */
export interface MetricsServerComponent extends Component {
  readonly url: string | null;
}

/**
 * A small HTTP server for a process that has no API of its own (`bookml monitor`): `GET /metrics` in
 * Prometheus text format — the given registry plus the standard process and Node metrics (`process_*`,
 * `nodejs_*`) — and `GET /healthz` for the probes. Header, request and keep-alive timeouts are set, as on
 * every bookml server.
 */
export function metricsServerComponent(
  registry: Registry,
  options: { host?: string; port?: number } = {},
): MetricsServerComponent {
  let fastify: FastifyInstance | null = null;
  let url: string | null = null;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9464;
  return {
    name: 'metrics',
    get url() {
      return url;
    },
    start: async () => {
      const [{ default: Fastify }, prom, { registerProcessMetrics }] = await Promise.all([
        import('fastify'),
        import('prom-client'),
        import('../serve/index.js'),
      ]);
      const standard = new prom.Registry();
      registerProcessMetrics(standard);
      const both = prom.Registry.merge([standard, registry]);
      const f = Fastify({
        logger: false,
        connectionTimeout: 30_000,
        keepAliveTimeout: 5_000,
        requestTimeout: 30_000,
        bodyLimit: 1024,
      });
      f.server.headersTimeout = 10_000;
      f.get('/metrics', async (_req, reply) => {
        reply.header('content-type', both.contentType);
        return both.metrics();
      });
      f.get('/healthz', async () => ({ ok: true }));
      try {
        await f.listen({ host, port });
      } catch (e) {
        await f.close();
        throw e;
      }
      fastify = f;
      const address = f.server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    },
    stop: async () => {
      await fastify?.close();
    },
  };
}
