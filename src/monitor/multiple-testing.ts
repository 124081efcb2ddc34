import { MonitorError } from './errors.js';

/**
 * P-values of several features corrected for testing them together: testing F features at level α
 * each raises the chance of at least one false alarm towards 1 − (1 − α)^F.
 */
export interface CorrectedPValues {
  /** A feature is significant when its raw p-value is strictly below this bound. */
  threshold: number;
  /** Adjusted p-values in input order (capped at 1; NaN stays NaN): significant ⇔ adjusted < α. */
  adjusted: Float64Array;
  /** Per feature, in input order: p < threshold. */
  significant: boolean[];
}

/**
 * Bonferroni: each of F features is tested at α / F, which bounds the chance of any false alarm
 * (family-wise error) by α whatever the dependence between features. Strict `<`, as Alibi-Detect's
 * KSDrift. A NaN p-value is never significant.
 *
 * @example
 * bonferroni([0.01, 0.2, 0.03], 0.05).significant; // [true, false, false] (threshold 0.0167)
 */
export function bonferroni(pValues: ArrayLike<number>, alpha: number): CorrectedPValues {
  checkAlpha(alpha);
  checkPValues(pValues);
  const f = pValues.length;
  const threshold = alpha / f;
  const adjusted = new Float64Array(f);
  const significant: boolean[] = [];
  for (let i = 0; i < f; i++) {
    const p = pValues[i];
    adjusted[i] = Math.min(1, p * f);
    significant.push(p < threshold);
  }
  return { threshold, adjusted, significant };
}

/**
 * Benjamini–Hochberg: controls the false discovery rate (the expected share of false alarms among
 * the features flagged) at α — less strict than Bonferroni when several features move together.
 * Sort p ascending, q_i = α·i/F; the bound is q at the largest i with p₍ᵢ₎ < q_i (strict, as
 * Alibi-Detect's `fdr`), and every feature below it is significant. When no p₍ᵢ₎ < q_i, nothing is
 * significant and the bound reported is q₁ = α/F. NaN p-values rank last and are never significant.
 *
 * @example
 * benjaminiHochberg([0.0193, 0.0193, 0.0526, 0.0274], 0.05).threshold; // 0.0375: three significant
 */
export function benjaminiHochberg(pValues: ArrayLike<number>, alpha: number): CorrectedPValues {
  checkAlpha(alpha);
  checkPValues(pValues);
  const f = pValues.length;
  const order = Array.from({ length: f }, (_, i) => i).sort((a, b) => rank(pValues[a]) - rank(pValues[b]));
  let threshold = alpha / f;
  for (let r = f; r >= 1; r--) {
    const q = (alpha * r) / f;
    if (pValues[order[r - 1]] < q) {
      threshold = q;
      break;
    }
  }
  // Adjusted: p₍ᵢ₎·F/i made monotone from the largest rank down.
  const adjusted = new Float64Array(f);
  let running = 1;
  for (let r = f; r >= 1; r--) {
    const i = order[r - 1];
    const p = pValues[i];
    if (Number.isNaN(p)) {
      adjusted[i] = Number.NaN;
      continue;
    }
    running = Math.min(running, (p * f) / r);
    adjusted[i] = running;
  }
  const significant = Array.from({ length: f }, (_, i) => pValues[i] < threshold);
  return { threshold, adjusted, significant };
}

function rank(p: number): number {
  return Number.isNaN(p) ? Number.POSITIVE_INFINITY : p;
}

/** At least one p-value, each in [0, 1] or NaN (a test that could not decide). */
function checkPValues(pValues: ArrayLike<number>): void {
  if (pValues.length === 0) {
    throw new MonitorError('MONITOR_BAD_OPTION', 'no p-values to correct: pass one per feature tested', {
      field: 'pValues',
    });
  }
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i];
    if (!(p >= 0 && p <= 1) && !Number.isNaN(p)) {
      throw new MonitorError('MONITOR_BAD_OPTION', `pValues[${i}] is ${p}: a p-value lies in [0, 1]`, {
        field: 'pValues',
      });
    }
  }
}

/** α must be a probability strictly between 0 and 1. */
export function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) {
    throw new MonitorError('MONITOR_BAD_OPTION', `alpha must be in (0, 1), got ${alpha}`, { field: 'alpha' });
  }
}
