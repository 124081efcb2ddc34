import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The request header carrying the signing time, in unix seconds. */
export const TIMESTAMP_HEADER = 'x-bookml-timestamp';
/** The request header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. */
export const SIGNATURE_HEADER = 'x-bookml-signature';

const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;

function mac(secret: string, timestamp: string, rawBody: Uint8Array | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/**
 * The signature header value for a body: `sha256=` and the hex HMAC-SHA256, keyed by the webhook
 * secret, of the timestamp, a dot, and the body's exact bytes.
 * @param timestamp unix seconds, as sent in {@link TIMESTAMP_HEADER}
 * @example signWebhook(secret, 1767225600, '{"dataset_uri":"file:///data/orders.csv"}') // 'sha256=…'
 */
export function signWebhook(
  secret: string,
  timestamp: number | string,
  rawBody: Uint8Array | string,
): string {
  return `sha256=${mac(secret, String(timestamp), rawBody).toString('hex')}`;
}

/**
 * Everything a sender needs to attach: content type, timestamp and signature headers for `body`
 * signed now (`nowMs`, epoch ms).
 * @example await fetch(url, { method: 'POST', body, headers: signedWebhookHeaders(secret, body, Date.now()) });
 */
export function signedWebhookHeaders(secret: string, rawBody: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signWebhook(secret, timestamp, rawBody),
  };
}

/**
 * Whether `header` is the signature of `rawBody` at `timestamp`, compared in constant time. A header
 * that is not `sha256=<64 hex digits>` is simply not a match.
 */
export function signatureMatches(
  secret: string,
  timestamp: string,
  rawBody: Uint8Array,
  header: string,
): boolean {
  const m = SIGNATURE_PATTERN.exec(header);
  if (m === null) return false;
  return timingSafeEqual(mac(secret, timestamp, rawBody), Buffer.from(m[1], 'hex'));
}

/** sha256 hex of a string: what the replay guard stores instead of a signature, and how tokens compare. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
