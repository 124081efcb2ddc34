/**
 * Response schemas of the KServe surfaces, for documentation and OpenAPI. Answers are sent as
 * prebuilt JSON text, which Fastify does not serialise again, so these schemas cost nothing per
 * request. test/serve-endpoints.test.ts checks the answers field by field.
 */

const bookId = { type: ['integer', 'string'] } as const;

const recommendation = {
  type: 'object',
  properties: {
    book_id: bookId,
    score: { type: 'number' },
    padded: {
      type: 'boolean',
      description: 'present (true) when the entry pads a short answer from the popularity list',
    },
    title: { type: 'string' },
    author: { type: 'string' },
  },
} as const;

/** `POST /v1/models/{name}:predict` → `{"predictions": [...]}`, one per instance, in order. */
export const v1PredictResponse = {
  type: 'object',
  required: ['predictions'],
  properties: {
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['book_id', 'k', 'recommendations', 'fallback'],
        properties: {
          book_id: bookId,
          k: { type: 'integer' },
          recommendations: { type: 'array', items: recommendation },
          fallback: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const tensor = {
  type: 'object',
  required: ['name', 'datatype', 'shape', 'data'],
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
    data: { type: 'array' },
  },
} as const;

/** `POST /v2/models/{name}/infer` → `$inference_response` (book_ids, scores, count, fallback, padded). */
export const v2InferResponse = {
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: { type: 'array', items: tensor },
  },
} as const;

const tensorMetadata = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
  },
} as const;

/** `GET /v2/models/{name}` → `$metadata_model_response`. */
export const v2MetadataResponse = {
  type: 'object',
  required: ['name', 'platform', 'inputs', 'outputs'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: tensorMetadata },
    outputs: { type: 'array', items: tensorMetadata },
    parameters: { type: 'object', additionalProperties: true },
  },
} as const;
