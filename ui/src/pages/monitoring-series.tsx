import { useQuery } from '@tanstack/react-query';
import type { DriftHistoryPayload, ServingSample } from '../../../src/api/ui-types.js';
import { api } from '../api.js';
import { LineChart } from '../components/chart.js';
import { QueryTable, Section } from '../components/section.js';
import { ms, rate, useServingStats } from '../components/serving-now.js';
import { when } from '../components/ui.js';

/** Every version seen in the samples, in first-seen order. */
function versionsOf(samples: readonly ServingSample[]): string[] {
  return [...new Set(samples.flatMap((s) => s.versions.map((v) => v.version)))];
}

/** One value per sample for `version` (null where it did not serve). */
function seriesOf(
  samples: readonly ServingSample[],
  version: string,
  pick: (v: ServingSample['versions'][number]) => number | null,
): Array<number | null> {
  return samples.map((s) => {
    const v = s.versions.find((x) => x.version === version);
    return v === undefined ? null : pick(v);
  });
}

/** Requests/s, latency percentiles and fallbacks/s per version over time, as the control plane sampled them. */
export function ServingSeries() {
  const stats = useServingStats();
  return (
    <Section
      title="Serving over time"
      query={stats}
      unavailable="This control plane reads no serving metrics: `bookml up` reads its own server; for a separate `bookml serve`, set BOOKML_API_SERVING_URL."
      isEmpty={(d) => d.samples.length === 0}
      empty="No sample yet: figures appear one sampling interval after the control plane starts."
    >
      {(d) => {
        const x = d.samples.map((s) => s.at / 1000);
        const versions = versionsOf(d.samples);
        const last = d.samples.at(-1);
        return (
          <>
            <p className="muted">
              From {d.source}, every {d.intervalMs / 1000} s since {when(d.since)} (kept in memory; Prometheus
              keeps the long history).
            </p>
            {d.error === null ? null : <p className="error">{d.error}</p>}
            {last === undefined ? null : (
              <QueryTable
                caption="Last interval"
                rows={last.versions}
                rowKey={(v) => v.version}
                columns={[
                  { header: 'Version', cell: (v) => `v${v.version}` },
                  { header: 'Role', cell: (v) => v.role ?? '—' },
                  { header: 'Requests/s', numeric: true, cell: (v) => rate(v.requestsPerS) },
                  { header: 'p50', numeric: true, cell: (v) => ms(v.p50Ms) },
                  { header: 'p95', numeric: true, cell: (v) => ms(v.p95Ms) },
                  { header: 'p99', numeric: true, cell: (v) => ms(v.p99Ms) },
                  { header: 'Fallbacks/s', numeric: true, cell: (v) => rate(v.fallbacksPerS) },
                  { header: 'Errors/s', numeric: true, cell: (v) => rate(v.errorsPerS) },
                ]}
              />
            )}
            {d.samples.length < 2 ? null : (
              <div className="charts">
                <LineChart
                  title="Requests per second, by version"
                  x={x}
                  series={versions.map((v) => ({
                    name: `v${v}`,
                    values: seriesOf(d.samples, v, (s) => s.requestsPerS),
                  }))}
                />
                <LineChart
                  title="Latency p50 / p95 / p99 (ms), by version"
                  x={x}
                  series={versions.flatMap((v) =>
                    (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((p) => ({
                      name: `v${v} ${p.slice(0, 3)}`,
                      values: seriesOf(d.samples, v, (s) => s[p]),
                    })),
                  )}
                />
                <LineChart
                  title="Fallback answers per second, by version"
                  x={x}
                  series={versions.map((v) => ({
                    name: `v${v}`,
                    values: seriesOf(d.samples, v, (s) => s.fallbacksPerS),
                  }))}
                />
              </div>
            )}
          </>
        );
      }}
    </Section>
  );
}

/** Each drift feature's p-value at every test the monitor ran since the control plane started. */
export function PValueHistory() {
  const history = useQuery({
    queryKey: ['drift', 'history'],
    queryFn: () => api<DriftHistoryPayload>('/drift/history'),
  });
  return (
    <Section
      title="p-values over time"
      query={history}
      unavailable="This control plane does not read a drift monitor."
      isEmpty={(d) => d.tests.length === 0}
      empty="No drift test since the control plane started: the monitor tests once its windows are full."
      emptyCommand="bookml demo drift"
    >
      {(d) => {
        const names = [...new Set(d.tests.flatMap((t) => t.features.map((f) => f.name)))];
        const last = d.tests.at(-1);
        return (
          <>
            {d.tests.length < 2 ? null : (
              <LineChart
                title="Uncorrected p-value per feature at each drift test"
                x={d.tests.map((t) => t.at / 1000)}
                series={names.map((n) => ({
                  name: n,
                  values: d.tests.map((t) => t.features.find((f) => f.name === n)?.pValue ?? null),
                }))}
              />
            )}
            <p className="muted" data-testid="pvalue-tests">
              {d.tests.length} test(s) since {when(d.since)}; last at {when(last?.at)}
              {last?.isDrift ? ' — drift' : ''}.
            </p>
          </>
        );
      }}
    </Section>
  );
}
