/**
 * Canary routing: which share of requests the canary answers. A request with a routing key
 * (customer id, or the `x-bookml-routing-key` header) always lands in the same bucket —
 * FNV-1a (32-bit) of the key's UTF-8 bytes, mod 100 — so a customer sees one version throughout
 * a rollout and any process computing the same hash agrees. Requests without a key are spread
 * by a counter stepped by 37 mod 100 (37 is coprime to 100), which hits every bucket once per
 * 100 requests, interleaved.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit of a string's UTF-8 bytes, as an unsigned integer. */
export function fnv1a32(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return fnv1a32Bytes(Buffer.from(key, 'utf8'));
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h >>> 0;
}

/** The routing bucket (0–99) of a key. */
export function bucketOf(key: string): number {
  return fnv1a32(key) % 100;
}

/**
 * Decides per request whether the canary answers.
 *
 * @example
 * const split = new TrafficSplit(10);
 * split.toCanary('customer-42'); // same answer every time for this customer
 */
export class TrafficSplit {
  /** Whole percent of traffic for the canary, 0–100. */
  readonly percent: number;
  #unkeyed = 0;

  constructor(percent: number) {
    this.percent = percent;
  }

  /** True when the canary should answer a request with this routing key (undefined: no key). */
  toCanary(key: string | undefined): boolean {
    if (this.percent <= 0) return false;
    if (this.percent >= 100) return true;
    if (key === undefined) {
      this.#unkeyed = (this.#unkeyed + 37) % 100;
      return this.#unkeyed < this.percent;
    }
    return bucketOf(key) < this.percent;
  }
}
