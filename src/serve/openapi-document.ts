import { parseServeConfig, type ServeConfigInput } from './config.js';
import { ServeMetrics } from './metrics.js';
import { createServeServer } from './serve-server.js';

/**
 * The serving OpenAPI document without a running server (the control plane shows it in the
 * dashboard's API reference): a serving app is built with `config` — the model name and body limits
 * are what the document depends on — asked for `/openapi.json`, and closed. No model is loaded.
 * @example const doc = await serveOpenApiDocument(); Object.keys(doc.paths)
 */
export async function serveOpenApiDocument(config: ServeConfigInput = {}): Promise<Record<string, unknown>> {
  const server = createServeServer({
    config: parseServeConfig(config),
    primary: {
      description: 'none (documentation only)',
      resolve: async () => {
        throw new Error('documentation only: no model');
      },
    },
    metrics: new ServeMetrics({ processMetrics: false }),
    app: { fastPath: false },
  });
  try {
    return (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  } finally {
    await server.app.close();
  }
}
