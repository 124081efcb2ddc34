import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * A plain `customer_id,book_id` purchase-lines CSV of any size, written fast and in bounded memory (one
 * 16 MiB buffer) for the scale bench, where `bookml data generate`'s full Bookstore (orders, dates,
 * catalogue) would take longer to write than the training to run. Each customer buys `perCustomer`
 * consecutive lines; books are drawn from a Zipf law (s = 1) over `books`, so co-occurrence work grows
 * like the real thing (popular books in many histories). Seeded xorshift: same arguments, same bytes.
 */
export function writeLinesCsv(
  file: string,
  lines: number,
  books: number,
  perCustomer: number,
  seed = 42,
): void {
  const cdf = new Float64Array(books);
  let sum = 0;
  for (let b = 0; b < books; b++) cdf[b] = sum += 1 / (b + 1);
  for (let b = 0; b < books; b++) cdf[b] /= sum;
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  // Each book's "b<id>," bytes, once; a customer's "c<id>," bytes, once per customer.
  const bookText = Array.from({ length: books }, (_, b) => Buffer.from(`,b${b}\n`, 'latin1'));
  const fd = openSync(file, 'w');
  const buf = Buffer.allocUnsafe(1 << 24);
  let at = buf.write('customer_id,book_id\n', 0, 'latin1');
  let customer = Buffer.alloc(0);
  try {
    for (let l = 0; l < lines; l++) {
      if (at > buf.length - 64) {
        writeSync(fd, buf, 0, at);
        at = 0;
      }
      if (l % perCustomer === 0) customer = Buffer.from(`c${l / perCustomer}`, 'latin1');
      const u = next();
      let lo = 0;
      let hi = books - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      for (let i = 0; i < customer.length; i++) buf[at++] = customer[i];
      const t = bookText[lo];
      for (let i = 0; i < t.length; i++) buf[at++] = t[i];
    }
    writeSync(fd, buf, 0, at);
  } finally {
    closeSync(fd);
  }
}
