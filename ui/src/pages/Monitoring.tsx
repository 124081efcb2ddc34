import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import type { DriftEcdf, DriftStatus, TriggerDecision } from '../../../src/api/ui-types.js';
import { ApiCallError, api, seg } from '../api.js';
import { EcdfChart, LineChart } from '../components/chart.js';
import { Card, Empty, ErrorBox, Loaded, num, Phase, when } from '../components/ui.js';
import { PValueHistory, ServingSeries } from './monitoring-series.js';
import { DriftSummary } from './Overview.js';

/** Serving over time, then drift: the monitor's last test per feature, p-values over time, the drift events over time, what the sensors decided. */
export default function Monitoring() {
  const drift = useQuery({
    queryKey: ['drift', 'status'],
    queryFn: () => api<{ status: DriftStatus | null }>('/drift/status'),
  });
  const decisions = useQuery({
    queryKey: ['decisions'],
    queryFn: () => api<{ decisions: TriggerDecision[] }>('/triggers/decisions?limit=30'),
  });
  return (
    <>
      <h1>Monitoring</h1>
      <ServingSeries />
      {drift.error instanceof ApiCallError && drift.error.code === 'API_NOT_AVAILABLE' ? (
        <Empty>This control plane does not read a drift monitor.</Empty>
      ) : drift.error ? (
        <ErrorBox error={drift.error} />
      ) : drift.data === undefined ? (
        <p className="muted">Loading…</p>
      ) : drift.data.status === null ? (
        <Empty command="bookml demo drift">
          No drift monitor has run in this workspace: `bookml up` runs one; the demo shifts traffic to show a
          drift.
        </Empty>
      ) : (
        <DriftDetails status={drift.data.status} />
      )}
      <Card title="Sensor and schedule decisions">
        <Loaded query={decisions}>
          {(d) =>
            d.decisions.length === 0 ? (
              <Empty>No trigger has decided anything yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Run</th>
                  </tr>
                </thead>
                <tbody>
                  {d.decisions.map((x) => (
                    <tr key={x.id}>
                      <td>{when(x.createdAt)}</td>
                      <td>
                        {x.source} {x.trigger}
                      </td>
                      <td>
                        <Phase phase={x.outcome} />
                      </td>
                      <td>{x.reason}</td>
                      <td>{x.runId ? <Link href={`/runs/${seg(x.runId)}`}>{x.runId}</Link> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Card>
    </>
  );
}

function DriftDetails(props: { status: DriftStatus }) {
  const s = props.status;
  const names = s.features.map((f) => f.name);
  const x = s.events.map((e) => Date.parse(e.detected_at) / 1000);
  return (
    <>
      <Card title="Drift status">
        <DriftSummary status={s} />
        <table>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">KS statistic</th>
              <th scope="col">p-value</th>
              <th scope="col">corrected p</th>
              <th scope="col">Values (ref / test)</th>
              <th scope="col">Drift</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {s.features.map((f) => (
              <tr key={f.name}>
                <td>{f.name}</td>
                <td>{num(f.statistic)}</td>
                <td>{num(f.p_value)}</td>
                <td>{num(f.corrected_p)}</td>
                <td>
                  {f.reference_values} / {f.test_values}
                </td>
                <td>{f.drift ? <Phase phase="Drift" /> : <Phase phase="Stable" />}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          α = {s.settings.alpha}, minimum effect {s.settings.min_effect}, correction {s.settings.correction}
        </p>
      </Card>
      <PValueHistory />
      <Distributions />
      <Card title="Drift events">
        {s.events.length === 0 ? (
          <Empty command="bookml demo drift">No drift event yet.</Empty>
        ) : (
          <>
            {s.events.length < 2 ? null : (
              <LineChart
                title="KS statistic per feature at each drift event"
                x={x}
                series={names.map((n) => ({
                  name: n,
                  values: s.events.map((e) => e.features.find((f) => f.name === n)?.statistic ?? null),
                }))}
              />
            )}
            <ol className="timeline" data-testid="drift-events">
              {[...s.events].reverse().map((e) => (
                <li key={e.detected_at}>
                  {e.detected_at}: {e.model} v{e.version} — {e.reason}
                </li>
              ))}
            </ol>
          </>
        )}
      </Card>
    </>
  );
}

function Distributions() {
  const ecdf = useQuery({ queryKey: ['drift', 'ecdf'], queryFn: () => api<DriftEcdf>('/drift/ecdf') });
  if (ecdf.error instanceof ApiCallError && ecdf.error.code === 'API_NOT_AVAILABLE') return null;
  return (
    <Card title="Reference and current distributions">
      <Loaded query={ecdf}>
        {(d) =>
          d.features.every((f) => f.reference.length === 0 || f.test.length === 0) ? (
            <Empty>The monitor's windows are not filled yet.</Empty>
          ) : (
            <div className="charts">
              {d.features
                .filter((f) => f.reference.length > 0 && f.test.length > 0)
                .map((f) => (
                  <EcdfChart
                    key={f.name}
                    title={`${f.name}: ECDF, reference (${f.referenceSize}) vs current (${f.testSize})`}
                    reference={f.reference}
                    test={f.test}
                  />
                ))}
            </div>
          )
        }
      </Loaded>
    </Card>
  );
}
