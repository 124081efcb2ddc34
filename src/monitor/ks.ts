import { logBinomial } from './binomial-pmf.js';
import { ecdfExtremes } from './ecdf-difference.js';
import { MonitorError } from './errors.js';
import { kolmogorovSf } from './kolmogorov-n.js';
import { gcd, oneSidedEqual, oneSidedUnequal, twoSidedEqual, twoSidedUnequal } from './ks-exact.js';
import { type Sample, sortedSample } from './sample.js';

/**
 * Which difference between the reference CDF F and the current CDF G the test looks for.
 * - `two-sided`: F ≠ G somewhere (D = max |F − G|).
 * - `greater`: F > G somewhere (D⁺ = max(F − G)): reference values tend to be *smaller* than current ones.
 * - `less`: F < G somewhere (D⁻ = max(G − F)): reference values tend to be *larger*.
 */
export type KsAlternative = 'two-sided' | 'less' | 'greater';

/** How a p-value was computed: the exact null distribution, or the large-sample approximation. */
export type KsMethod = 'exact' | 'asymptotic';

/** Options of {@link ksTwoSample}. */
export interface KsOptions {
  /** @default 'two-sided' */
  alternative?: KsAlternative;
  /**
   * `auto` is exact while max(n, m) ≤ {@link KS_EXACT_MAX_N}, asymptotic beyond; `exact` and `auto`
   * still fall back to asymptotic where the exact value cannot be computed (see `fallback`).
   * Alibi-Detect's KSDrift uses `asymptotic`.
   * @default 'auto'
   */
  method?: 'auto' | KsMethod;
}

/** The outcome of a two-sample KS test, with SciPy's `ks_2samp` semantics (1.10.1). */
export interface KsResult {
  /** D (or D⁺, D⁻ for one-sided tests), in [0, 1]. An exact result reports it as h / lcm(n, m). */
  statistic: number;
  /** P(D ≥ observed | same distribution), in [0, 1]; NaN only for a two-sided asymptotic test with n = m = 1. */
  pValue: number;
  /** What produced `pValue`. */
  method: KsMethod;
  alternative: KsAlternative;
  /** The pooled value where the ECDF difference reaches `statistic`. */
  location: number;
  /** +1 when the reference ECDF is above the current one there, −1 when below. */
  sign: 1 | -1;
  referenceSize: number;
  currentSize: number;
  /** Set when an exact p-value was asked for (or chosen by `auto`) but could not be computed. */
  fallback?: string;
}

/** Largest sample size for which `method: 'auto'` computes exact p-values (SciPy's MAX_AUTO_N). */
export const KS_EXACT_MAX_N = 10_000;

const ALTERNATIVES: readonly string[] = ['two-sided', 'less', 'greater'];
const METHODS: readonly string[] = ['auto', 'exact', 'asymptotic'];
const INT32_MAX = 2 ** 31 - 1;
const LOG_MAX_DOUBLE = Math.log(Number.MAX_VALUE);

/**
 * The two-sample Kolmogorov–Smirnov test: does `current` come from the same distribution as
 * `reference`? Statistic, p-value and location match SciPy 1.10.1's `ks_2samp(reference, current,
 * alternative, method)`, including ties, its choice between exact and asymptotic p-values and its
 * fallbacks. Each sample is copied and sorted once (O((n + m) log(n + m))); the inputs are untouched.
 * Bad input (an empty sample, NaN, ±Infinity, an unknown option) is a `MonitorError` naming the field.
 *
 * @example
 * const r = ksTwoSample(trainingPrices, lastHourPrices);
 * if (r.pValue < 0.05 && r.statistic > 0.1) console.log(`drift: D=${r.statistic} (${r.method})`);
 */
export function ksTwoSample(reference: Sample, current: Sample, options: KsOptions = {}): KsResult {
  const alternative = options.alternative ?? 'two-sided';
  const method = options.method ?? 'auto';
  if (!ALTERNATIVES.includes(alternative)) {
    throw new MonitorError(
      'MONITOR_BAD_OPTION',
      `alternative must be one of ${ALTERNATIVES.join(', ')}, got "${alternative}"`,
      { field: 'alternative' },
    );
  }
  if (!METHODS.includes(method)) {
    throw new MonitorError(
      'MONITOR_BAD_OPTION',
      `method must be one of ${METHODS.join(', ')}, got "${method}"`,
      {
        field: 'method',
      },
    );
  }
  const x = sortedSample(reference, 'reference');
  const y = sortedSample(current, 'current');
  const n = x.length;
  const m = y.length;

  const ext = ecdfExtremes(x, y);
  const negative = alternative === 'less' || (alternative === 'two-sided' && ext.minus > ext.plus);
  let statistic = negative ? ext.minus : ext.plus;
  const location = negative ? ext.minusAt : ext.plusAt;

  let used: KsMethod =
    method === 'auto' ? (Math.max(n, m) <= KS_EXACT_MAX_N ? 'exact' : 'asymptotic') : method;
  let fallback: string | undefined;
  let pValue = Number.NaN;
  const g = gcd(n, m);
  if (method === 'exact' && n / g >= INT32_MAX / (m / g)) {
    used = 'asymptotic';
    fallback = `lcm(${n}, ${m}) exceeds 2^31 − 1: the exact distribution's lattice is too large`;
  }
  if (used === 'exact') {
    const lcm = (n / g) * m;
    // D is a multiple of 1/lcm up to rounding; the exact branch reports it as such (as SciPy does).
    const h = Math.round(statistic * lcm);
    statistic = h / lcm;
    const p = h === 0 ? 1 : exactPValue(n, m, h, alternative);
    if (p === null) {
      used = 'asymptotic';
      fallback = `C(${n + m}, ${Math.min(n, m)}) overflows a double: SciPy does not compute the exact one-sided p-value for unequal sizes there`;
    } else if (!(p >= 0 && p <= 1)) {
      // Rounding can carry an exact p-value of (nearly) 1 just past it; SciPy then switches too.
      used = 'asymptotic';
      fallback = `the exact p-value rounded to ${p}, outside [0, 1]`;
    } else {
      pValue = p;
    }
  }
  if (used === 'asymptotic') pValue = asymptoticPValue(n, m, statistic, alternative);
  pValue = pValue < 0 ? 0 : pValue > 1 ? 1 : pValue;

  const result: KsResult = {
    statistic,
    pValue,
    method: used,
    alternative,
    location,
    sign: negative ? -1 : 1,
    referenceSize: n,
    currentSize: m,
  };
  if (fallback !== undefined) result.fallback = fallback;
  return result;
}

/** P(D ≥ h/lcm) exactly, or null where SciPy's exact computation overflows. */
function exactPValue(n: number, m: number, h: number, alternative: KsAlternative): number | null {
  if (alternative === 'two-sided') return n === m ? twoSidedEqual(n, h) : twoSidedUnequal(n, m, h);
  if (n === m) return oneSidedEqual(n, h);
  // SciPy counts these paths with floating binomials and gives up once C(n+m, n) overflows; the
  // recursion used here would not overflow, but answering "asymptotic" there keeps parity.
  if (logBinomial(n + m, Math.min(n, m)) > LOG_MAX_DOUBLE) return null;
  return oneSidedUnequal(n, m, h);
}

/**
 * Large-sample p-values as SciPy computes them. Two-sided: the one-sample KS distribution at
 * N = round(en) (NumPy rounding, halves to even), en = n·m/(n+m) — not the limiting Kolmogorov
 * distribution. One-sided: Hodges' corrected exponential, with m the larger size.
 */
function asymptoticPValue(n1: number, n2: number, d: number, alternative: KsAlternative): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  if (alternative === 'two-sided') return kolmogorovSf(roundHalfEven(en), d);
  const z = Math.sqrt(en) * d;
  return Math.exp(-2 * z ** 2 - (2 * z * (m + 2 * n)) / Math.sqrt(m * n * (m + n)) / 3);
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  if (r !== 0.5) return r < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}
