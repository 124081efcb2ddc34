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

/** Every error answer: bookml's fields; the KServe surfaces add KServe's `error` (the message). */
export const errorResponse = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    error: {
      type: 'string',
      description: 'KServe surfaces (/v1, /v2): the message, as KServe clients read it',
    },
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable error code, e.g. SERVE_INVALID_REQUEST' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the part of the request at fault' },
    details: { type: 'object', additionalProperties: true },
    requestId: { type: 'string' },
  },
} as const;

/** `POST /v1/models/{name}:predict`'s body, checked by the handler so its errors name the instance. */
export const v1PredictRequest = {
  type: 'object',
  properties: {
    instances: {
      type: 'array',
      minItems: 1,
      description: 'one per book: {"book_id": 1, "k": 3} or a bare book id',
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['book_id'],
            additionalProperties: false,
            properties: { book_id: bookId, k: { type: 'integer', minimum: 1 } },
          },
          bookId,
        ],
      },
    },
    inputs: { type: 'array', description: 'a synonym of instances' },
  },
} as const;

/** `POST /v2/models/{name}/infer`'s body (`$inference_request`), checked by the handler (v2-tensors.ts). */
export const v2InferRequest = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    inputs: {
      type: 'array',
      description: 'book_id (INT64 or BYTES, shape [n]) and optionally k (INT32, shape [1])',
      items: tensor,
    },
    outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
  },
} as const;

const statusOnly = (key: string, type: 'string' | 'boolean') =>
  ({ type: 'object', required: [key], properties: { [key]: { type } } }) as const;

/** `GET /healthz` and `GET /`. */
export const aliveResponse = statusOnly('status', 'string');
/** `GET /v2/health/live`. */
export const v2LiveResponse = statusOnly('live', 'boolean');
/** `GET /v2/health/ready` and the model ready routes. */
export const v2ReadyResponse = {
  type: 'object',
  required: ['ready'],
  properties: { name: { type: 'string' }, ready: { type: 'boolean' }, error: { type: 'string' } },
} as const;

/** `GET /ready`: whether a model answers, and every role's version, source and last load failure. */
export const readyResponse = {
  type: 'object',
  required: ['status', 'models'],
  properties: {
    status: { type: 'string', enum: ['loading', 'ready', 'degraded'] },
    canary_percent: { type: 'number' },
    pid: { type: 'integer', description: 'the worker process that answered' },
    models: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

/** `GET /v1/models` and `GET /v2/models`. */
export const modelListResponse = {
  type: 'object',
  required: ['models'],
  properties: { models: { type: 'array', items: { type: 'string' } } },
} as const;

/** `GET /v1/models/{name}`. */
export const v1ModelResponse = {
  type: 'object',
  required: ['name', 'ready'],
  properties: { name: { type: 'string' }, ready: { type: 'boolean' }, version: { type: 'string' } },
} as const;

/** `GET /v2`: `$metadata_server_response`. */
export const v2ServerResponse = {
  type: 'object',
  required: ['name', 'version', 'extensions'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    extensions: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** Error responses of a route, by status. */
export function errorResponses(...statuses: number[]): Record<string, typeof errorResponse> {
  return Object.fromEntries(statuses.map((s) => [String(s), errorResponse]));
}
