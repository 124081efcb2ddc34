import { describe, expect, it } from 'vitest';
import { formatIsoUtc, parseDateFormat, parseIso } from './date-format.js';

const utc = (s: string) => Date.parse(s);

describe('parseIso', () => {
  it.each([
    ['2025-03-04', '2025-03-04T00:00:00Z'],
    ['2025-03-04T05:06', '2025-03-04T05:06:00Z'],
    ['2025-03-04 05:06:07', '2025-03-04T05:06:07Z'],
    ['2025-03-04t05:06:07z', '2025-03-04T05:06:07Z'],
    ['2025-03-04T05:06:07.5Z', '2025-03-04T05:06:07.500Z'],
    ['2025-03-04T05:06:07,123456Z', '2025-03-04T05:06:07.123Z'],
    ['2025-03-04T05:06:07+01:30', '2025-03-04T03:36:07Z'],
    ['2025-03-04T05:06:07-0800', '2025-03-04T13:06:07Z'],
    ['2025-03-04T05:06:07+02', '2025-03-04T03:06:07Z'],
    ['2024-02-29', '2024-02-29T00:00:00Z'],
    ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59Z'],
  ])('%s is %s', (value, iso) => {
    expect(parseIso(value)).toBe(utc(iso));
  });

  it.each([
    '',
    '2025-3-04',
    '2025-02-29',
    '2025-13-01',
    '2025-04-31',
    '2025-03-04T24:00',
    '2025-03-04T05:60',
    '2025-03-04T05:06:07Q',
    '2025-03-04T05:06:07+25:00',
    '2025/03/04',
    '04-03-2025',
    'x'.repeat(100),
  ])('%s is not ISO 8601', (value) => {
    expect(parseIso(value)).toBeNaN();
  });
});

describe('parseDateFormat', () => {
  it('reads epoch seconds and milliseconds, fractions and negatives included', () => {
    expect(parseDateFormat('epoch-s')('1741064767')).toBe(1741064767000);
    expect(parseDateFormat('epoch-s')(' 1.5 ')).toBe(1500);
    expect(parseDateFormat('epoch-s')('-86400')).toBe(-86_400_000);
    expect(parseDateFormat('epoch-ms')('1741064767123')).toBe(1741064767123);
    for (const bad of ['', 'abc', '1e9', '12:00']) expect(parseDateFormat('epoch-s')(bad)).toBeNaN();
  });

  it('reads patterns with one- or two-digit fields and literal text', () => {
    const dmy = parseDateFormat('DD-MM-YYYY');
    expect(dmy('21-07-2015')).toBe(utc('2015-07-21T00:00:00Z'));
    expect(dmy('1-7-2015')).toBe(utc('2015-07-01T00:00:00Z'));
    expect(dmy('29-02-2016')).toBe(utc('2016-02-29T00:00:00Z'));
    for (const bad of ['29-02-2015', '32-01-2015', '21-07-15', '21/07/2015', '21-07-2015 ', '21-07-20155']) {
      expect(dmy(bad), bad).toBeNaN();
    }
    expect(parseDateFormat('MM/DD/YYYY HH:mm:ss.SSS')('12/31/2024 23:59:58.250')).toBe(
      utc('2024-12-31T23:59:58.250Z'),
    );
    expect(parseDateFormat('YYYYMMDD')('20250304')).toBe(utc('2025-03-04T00:00:00Z'));
    expect(parseDateFormat('[on] DD.MM.YYYY')('[on] 04.03.2025')).toBe(utc('2025-03-04T00:00:00Z'));
  });

  it('refuses a pattern without a year, a month or a day', () => {
    for (const f of ['HH:mm', 'YYYY-MM', 'DD/MM', 'nonsense']) {
      expect(() => parseDateFormat(f), f).toThrow(
        expect.objectContaining({ code: 'DATA_BAD_OPTION', field: '--date-format' }),
      );
    }
  });
});

describe('formatIsoUtc', () => {
  it('writes seconds, and milliseconds only when there are some', () => {
    expect(formatIsoUtc(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatIsoUtc(utc('2024-02-29T23:59:59.007Z'))).toBe('2024-02-29T23:59:59.007Z');
    expect(formatIsoUtc(-1000)).toBe('1969-12-31T23:59:59Z');
    expect(formatIsoUtc(utc('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00Z');
    expect(formatIsoUtc(utc('9999-12-31T23:59:59Z'))).toBe('9999-12-31T23:59:59Z');
  });

  it('round-trips through parseIso over four centuries of days', () => {
    for (
      let t = utc('1900-01-01T00:00:00Z');
      t < utc('2300-01-01T00:00:00Z');
      t += 86_400_000 * 37 + 3_601_001
    ) {
      expect(parseIso(formatIsoUtc(t))).toBe(t);
      expect(formatIsoUtc(t)).toBe(new Date(t).toISOString().replace('.000Z', 'Z'));
    }
  });
});
