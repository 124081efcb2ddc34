import { DataBadOptionError } from './errors.js';

/**
 * Dates in and out of datasets, without `Date` parsing (whose accepted forms vary and which reads
 * zoneless strings in the machine's local zone). Everything is UTC epoch milliseconds.
 */

/** Parses one date string to epoch milliseconds; NaN when it does not fit the format. */
export type DateParser = (value: string) => number;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return Number.NaN;
  return daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/** Two ASCII digits at b[at], or -1. */
function two(b: Uint8Array, at: number): number {
  const x = b[at] - 48;
  const y = b[at + 1] - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/**
 * Parse ISO 8601 from bytes `b[s..e)`: `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.fff]]` and a zone
 * `Z`, `±HH:MM`, `±HHMM` or `±HH`. A timestamp without a zone is read as UTC. NaN otherwise.
 * Reads bytes in place: the loader calls it once per order of a 20-million-line dataset.
 */
export function parseIsoBytes(b: Uint8Array, s: number, e: number): number {
  if (e - s < 10 || b[s + 4] !== 45 || b[s + 7] !== 45) return Number.NaN;
  const y1 = two(b, s);
  const y2 = two(b, s + 2);
  const mo = two(b, s + 5);
  const d = two(b, s + 8);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0) return Number.NaN;
  let p = s + 10;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  if (p < e && (b[p] === 84 || b[p] === 116 || b[p] === 32)) {
    if (p + 6 > e || b[p + 3] !== 58) return Number.NaN;
    h = two(b, p + 1);
    mi = two(b, p + 4);
    if (h < 0 || mi < 0) return Number.NaN;
    p += 6;
    if (p < e && b[p] === 58) {
      if (p + 3 > e) return Number.NaN;
      sec = two(b, p + 1);
      if (sec < 0) return Number.NaN;
      p += 3;
      if (p < e && (b[p] === 46 || b[p] === 44)) {
        let k = p + 1;
        let scale = 100;
        for (; k < e && b[k] >= 48 && b[k] <= 57; k++, scale /= 10) if (scale >= 1) ms += (b[k] - 48) * scale;
        if (k === p + 1) return Number.NaN;
        p = k;
      }
    }
  }
  let offsetMin = 0;
  if (p < e) {
    const z = b[p];
    if ((z === 90 || z === 122) && p + 1 === e) p = e;
    else if ((z === 43 || z === 45) && p + 3 <= e) {
      const oh = two(b, p + 1);
      let om = 0;
      let q = p + 3;
      if (q < e && b[q] === 58) q++;
      if (q < e) {
        om = q + 2 <= e ? two(b, q) : -1;
        q += 2;
      }
      if (oh < 0 || om < 0 || q !== e || oh > 23 || om > 59) return Number.NaN;
      offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
      p = e;
    }
  }
  if (p !== e) return Number.NaN;
  return utcMs(y1 * 100 + y2, mo, d, h, mi, sec, ms) - offsetMin * 60_000;
}

const scratch = Buffer.alloc(64);

/** {@link parseIsoBytes} for a string. */
export function parseIso(value: string): number {
  if (value.length > 64) return Number.NaN;
  const n = scratch.write(value, 'latin1');
  return parseIsoBytes(scratch, 0, n);
}

/** The date formats `--date-format` names; anything else is read as a pattern. */
export const NAMED_DATE_FORMATS = ['iso', 'epoch-s', 'epoch-ms'] as const;

/**
 * A parser for `format`: `iso` (default), `epoch-s`, `epoch-ms`, or a pattern of `YYYY`, `MM`, `DD`,
 * `HH`, `mm`, `ss`, `SSS` and literal characters, e.g. `DD-MM-YYYY`, `MM/DD/YYYY`,
 * `YYYY-MM-DD HH:mm:ss`. Patterns are read as UTC; one- or two-digit fields are accepted.
 * @example parseDateFormat('DD-MM-YYYY')('21-07-2015') // 1437436800000
 */
export function parseDateFormat(format = 'iso'): DateParser {
  if (format === 'iso') return parseIso;
  if (format === 'epoch-s' || format === 'epoch-ms') {
    const scale = format === 'epoch-s' ? 1000 : 1;
    return (v) => {
      const t = v.trim();
      return t === '' || !/^-?\d+(\.\d+)?$/.test(t) ? Number.NaN : Math.round(Number(t) * scale);
    };
  }
  const tokens: string[] = Array.from(format.match(/YYYY|SSS|MM|DD|HH|mm|ss|[^YMDHmsS]+|./g) ?? []);
  if (!tokens.includes('YYYY') || !tokens.includes('MM') || !tokens.includes('DD')) {
    throw new DataBadOptionError(
      '--date-format',
      `"${format}" is not iso, epoch-s, epoch-ms or a pattern with YYYY, MM and DD (e.g. DD-MM-YYYY)`,
    );
  }
  return (v) => {
    const f: Record<string, number> = { YYYY: 0, MM: 0, DD: 0, HH: 0, mm: 0, ss: 0, SSS: 0 };
    let p = 0;
    for (const tok of tokens) {
      if (tok in f) {
        const max = tok === 'YYYY' ? 4 : tok === 'SSS' ? 3 : 2;
        const min = tok === 'YYYY' ? 4 : 1;
        let k = p;
        while (k < v.length && k - p < max && v.charCodeAt(k) >= 48 && v.charCodeAt(k) <= 57) k++;
        if (k - p < min) return Number.NaN;
        f[tok] = Number(v.slice(p, k));
        p = k;
      } else {
        if (!v.startsWith(tok, p)) return Number.NaN;
        p += tok.length;
      }
    }
    if (p !== v.length) return Number.NaN;
    return utcMs(f.YYYY, f.MM, f.DD, f.HH, f.mm, f.ss, f.SSS);
  };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Epoch milliseconds as ISO 8601 UTC: `YYYY-MM-DDTHH:MM:SSZ`, with `.sss` only when the
 * milliseconds are not zero (so whole-second data stays short). Years 0000–9999.
 */
export function formatIsoUtc(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rem = ms - days * DAY_MS;
  // Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const s = Math.floor(rem / 1000);
  const milli = Math.round(rem - s * 1000);
  const frac = milli === 0 ? '' : `.${String(milli).padStart(3, '0')}`;
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}${frac}Z`;
}
