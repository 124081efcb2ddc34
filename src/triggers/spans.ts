/**
 * A span of time for a reason line: `45 s`, `10 min`, `6 h`, `2 d 3 h` (two units at most, rounded down).
 * @example formatSpan(21_600_000) // '6 h'
 */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, name] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}`);
    else if (parts.length === 1) break;
  }
  return parts.join(' ');
}

/** An epoch-ms time as ISO 8601 UTC without milliseconds: `2026-01-02T02:00:00Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}
