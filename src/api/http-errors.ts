import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isBookmlError } from '../core/index.js';

/**
 * The control plane's error handler: `{ statusCode, code, message, field?, details? }`, never a stack.
 * Schema failures become 400 API_BAD_REQUEST naming the field; unknown errors 500 INTERNAL with the
 * request id, the full error going to the log only.
 */
export function sendApiError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const e = err as FastifyError & { details?: Record<string, unknown> };
  if (e.validation) {
    const first = e.validation[0];
    const field = first ? fieldOf(first.instancePath, first.params as Record<string, unknown>) : undefined;
    void reply.code(400).send({
      statusCode: 400,
      code: 'API_BAD_REQUEST',
      message: `${e.validationContext ?? 'request'}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`,
      ...(field ? { field } : {}),
    });
    return;
  }
  if (isBookmlError(err)) {
    if (err.status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(err.status).send({ statusCode: err.status, ...err.toJSON() });
    return;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    void reply
      .code(e.statusCode)
      .send({ statusCode: e.statusCode, code: e.code ?? 'API_BAD_REQUEST', message: e.message });
    return;
  }
  req.log.error({ err }, 'unexpected error');
  void reply.code(500).send({
    statusCode: 500,
    code: 'INTERNAL',
    message: `internal error (request ${req.id}); see the server log`,
    requestId: req.id,
  });
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string | undefined {
  const path = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  const leaf = missing ?? extra;
  if (leaf) return path ? `${path}.${leaf}` : leaf;
  return path || undefined;
}
