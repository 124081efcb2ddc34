/**
 * The control plane's OpenAPI document under a golden file (`test/golden/control-plane.openapi.yaml`,
 * regenerate with `UPDATE_GOLDEN=1 npx vitest run test/api-openapi.test.ts`), and every schema in it
 * compiles, so the document a client generates code from is the one the server validates with.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildControlPlane, loadApiConfig } from '../src/api/index.js';
import { createTestDatabase } from '../src/store/test-databases.js';
import { golden } from './golden/golden.js';
import { compileOpenApiSchemas, type OpenApiDoc } from './golden/openapi-schemas.js';

describe('control-plane OpenAPI document', () => {
  it('matches its golden file and every schema compiles', async () => {
    const t = await createTestDatabase('sqlite');
    const mdb = await t.open();
    const app = await buildControlPlane({ db: mdb, config: loadApiConfig({ env: {} }), logger: false });
    try {
      const doc = (await app.inject({ method: 'GET', url: '/api/docs' })).json() as OpenApiDoc;
      const { expected, actual } = golden(
        'control-plane.openapi.yaml',
        stringify(doc, { aliasDuplicateObjects: false }),
      );
      expect(actual).toEqual(expected);
      const schemas = compileOpenApiSchemas(doc);
      expect(schemas).toBeGreaterThan(50);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
});
