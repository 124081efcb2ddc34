import { useQuery } from '@tanstack/react-query';
import type { ServingStatsPayload, ServingVersionSample } from '../../../src/api/ui-types.js';
import { api } from '../api.js';
import { QueryBody } from './section.js';
import { num } from './ui.js';

/** The control plane's serving series, refetched as often as it samples. */
export function useServingStats() {
  return useQuery({
    queryKey: ['serving', 'stats'],
    queryFn: () => api<ServingStatsPayload>('/serving/stats'),
    refetchInterval: (q) => q.state.data?.intervalMs ?? 5000,
  });
}

/** Milliseconds with a unit, or a dash. */
export function ms(v: number | null): string {
  return v === null ? '—' : `${num(v)} ms`;
}

/** Requests per second, rounded for reading. */
export function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2);
}

/**
 * What serves right now: each loaded version's requests/s and p99 over the last sampling interval, and
 * the canary's share. The figures come from the serving `/metrics` the control plane samples.
 */
export function ServingNow() {
  const stats = useServingStats();
  return (
    <QueryBody
      query={stats}
      unavailable="No serving figures: this control plane reads no serving metrics (`bookml up` does; or set BOOKML_API_SERVING_URL)."
      isEmpty={(d) => d.error === null && d.samples.length === 0}
      empty="Serving figures appear after the first sampling interval."
    >
      {(d) => {
        const last = d.samples.at(-1);
        return (
          <div data-testid="serving-now">
            {d.error === null ? null : <p className="error">{d.error}</p>}
            {last === undefined ? null : (
              <ul className="plain">
                {last.versions.filter(inRole).map((v) => (
                  <li key={v.version}>
                    v{v.version} <span className="tag">{v.role ?? 'retired'}</span>{' '}
                    <strong data-testid="serving-rps">{rate(v.requestsPerS)}</strong> req/s, p99{' '}
                    <strong>{ms(v.p99Ms)}</strong>
                    {v.fallbacksPerS > 0 ? `, ${rate(v.fallbacksPerS)} fallbacks/s` : ''}
                  </li>
                ))}
              </ul>
            )}
            {last?.canaryTarget ? (
              <p className="muted">canary share {(last.canaryTarget * 100).toFixed(0)}%</p>
            ) : null}
          </div>
        );
      }}
    </QueryBody>
  );
}

/** Versions that fill a role now, or still answered during the interval. */
function inRole(v: ServingVersionSample): boolean {
  return v.role !== null || v.requestsPerS > 0;
}
