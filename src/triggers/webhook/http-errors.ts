import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isBookmlError } from '../../core/index.js';
import { TriggersError } from '../errors.js';

/** The body of every webhook error answer: never a stack, a secret, a signature or the request body. */
export interface WebhookErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
}

interface AjvIssue {
  keyword: string;
  instancePath: string;
  params: { missingProperty?: string; additionalProperty?: string };
}

/** The field a schema failure is about, named the way the sender wrote it (`dataset_uri`, `source`). */
function schemaField(err: FastifyError & { validation?: AjvIssue[] }): string {
  const issue = err.validation?.[0];
  const context =
    err.validationContext === 'body' || err.validationContext === undefined ? '' : err.validationContext;
  if (issue === undefined) return context || 'body';
  const path = issue.instancePath.split('/').filter(Boolean).join('.');
  const leaf = issue.params.missingProperty ?? issue.params.additionalProperty;
  const field = [path, leaf].filter(Boolean).join('.');
  // Params name the parameter itself (`source`), bodies their key; a whole-body failure is `body`.
  return field || context || 'body';
}

function reason(issue: AjvIssue | undefined): string {
  switch (issue?.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type':
      return issue.instancePath === '' ? 'must be a JSON object' : 'has the wrong type';
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return 'is too long';
    case 'pattern':
      return 'has characters it may not have';
    default:
      return 'is invalid';
  }
}

/** Turns whatever a webhook route threw into its client-safe answer. */
export function toWebhookError(err: unknown, requestId: string): WebhookErrorBody {
  if (isBookmlError(err)) {
    return err.field === undefined
      ? { statusCode: err.status, code: err.code, message: err.message }
      : { statusCode: err.status, code: err.code, message: err.message, field: err.field };
  }
  const e = err as FastifyError & { validation?: AjvIssue[] };
  if (e.validation !== undefined) {
    const field = schemaField(e);
    return {
      statusCode: 400,
      code: 'TRIGGERS_BAD_REQUEST',
      message: `${field} ${reason(e.validation[0])}`,
      field,
    };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        statusCode: 413,
        code: 'TRIGGERS_BODY_TOO_LARGE',
        message: 'the body is larger than this webhook accepts',
        field: 'body',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        statusCode: 415,
        code: 'TRIGGERS_UNSUPPORTED_MEDIA_TYPE',
        message: 'send the body as JSON with content-type: application/json',
        field: 'content-type',
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        statusCode: 400,
        code: 'TRIGGERS_BAD_REQUEST',
        message: 'content-length does not match the body',
        field: 'body',
      };
  }
  return {
    statusCode: 500,
    code: 'INTERNAL',
    message: `internal error; quote request id ${requestId} when reporting it`,
  };
}

/** The webhook surface's Fastify error handler. Only unexpected (500) errors are logged, without the body. */
export function sendWebhookError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const body = toWebhookError(err, String(request.id));
  if (body.code === 'INTERNAL') request.log.error({ err }, 'webhook request failed');
  if (body.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="bookml-webhook"');
  const retryAfter = isBookmlError(err) ? err.retryAfterMs : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', Math.ceil(retryAfter / 1000));
  void reply.code(body.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** 404 for a path the webhook server does not serve. */
export function webhookNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0].slice(0, 200);
  sendWebhookError(
    new TriggersError('TRIGGERS_ROUTE_NOT_FOUND', `no webhook at ${request.method} ${path}`, {
      field: 'path',
    }),
    request,
    reply,
  );
}
