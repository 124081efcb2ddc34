import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  signatureMatches,
  signedWebhookHeaders,
  signWebhook,
  TIMESTAMP_HEADER,
} from './signature.js';

const SECRET = 'whsec-test-0123456789abcdef';
const BODY = '{"dataset_uri":"file:///data/orders.csv"}';

describe('webhook signature', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<raw body>" (vector from openssl dgst -hmac)', () => {
    expect(signWebhook(SECRET, 1767225600, BODY)).toBe(
      'sha256=6a5f16cecb905f4cc233c39df7bad90f6b33bf0f17e68b96cbe74a66a17720d8',
    );
    expect(signWebhook(SECRET, '1767225600', Buffer.from(BODY))).toBe(signWebhook(SECRET, 1767225600, BODY));
  });

  it('signs now, in whole seconds, with the content type a sender needs', () => {
    const h = signedWebhookHeaders(SECRET, BODY, 1767225600_999);
    expect(h).toEqual({
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: '1767225600',
      [SIGNATURE_HEADER]: signWebhook(SECRET, 1767225600, BODY),
    });
  });

  it('matches only the same secret, timestamp and bytes; any other header shape is no match', () => {
    const sig = signWebhook(SECRET, 1767225600, BODY);
    const raw = Buffer.from(BODY);
    expect(signatureMatches(SECRET, '1767225600', raw, sig)).toBe(true);
    expect(signatureMatches(SECRET, '1767225600', raw, sig.toUpperCase().replace('SHA256', 'sha256'))).toBe(
      true,
    );
    expect(signatureMatches(`${SECRET}x`, '1767225600', raw, sig)).toBe(false);
    expect(signatureMatches(SECRET, '1767225601', raw, sig)).toBe(false);
    expect(signatureMatches(SECRET, '1767225600', Buffer.from(`${BODY}\n`), sig)).toBe(false);
    for (const header of ['', 'sha256=', sig.slice(0, -2), `${sig}00`, `sha1=${sig.slice(7)}`, ` ${sig}`]) {
      expect(signatureMatches(SECRET, '1767225600', raw, header)).toBe(false);
    }
  });
});
