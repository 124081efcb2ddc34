import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearch } from 'wouter';
import type {
  DatasetDistributions,
  DatasetListPayload,
  DatasetReportPayload,
} from '../../../src/api/ui-types.js';
import { api, query, seg } from '../api.js';
import { LineChart } from '../components/chart.js';
import { QueryTable, Section } from '../components/section.js';
import { num, Phase } from '../components/ui.js';

type Dataset = DatasetListPayload['datasets'][number];

/**
 * The workspace's datasets; for the one picked (the current one first): its validation report, its
 * distributions, and how far its book popularity moved from the dataset production was trained on.
 */
export default function Data() {
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: () => api<DatasetListPayload>('/datasets') });
  // `?dataset=<hash>` (the lineage page's dataset box) opens with that dataset picked.
  const [picked, setPicked] = useState<string | undefined>(
    new URLSearchParams(useSearch()).get('dataset') ?? undefined,
  );
  const list = datasets.data?.datasets ?? [];
  const shown = picked ?? list.find((d) => d.current)?.hash ?? list.at(-1)?.hash;
  return (
    <>
      <h1>Data</h1>
      <Section
        title="Datasets"
        query={datasets}
        unavailable="This control plane does not serve datasets."
        isEmpty={(d) => d.datasets.length === 0}
        empty="No dataset in this workspace yet."
        emptyCommand="bookml data generate"
      >
        {(d) => (
          <QueryTable
            rows={d.datasets}
            rowKey={(x) => x.hash}
            rowClass={(x) => (x.hash === shown ? 'selected' : undefined)}
            columns={[
              {
                header: 'Dataset',
                cell: (x: Dataset) => (
                  <button type="button" className="link" onClick={() => setPicked(x.hash)}>
                    <code>{x.hash.slice(0, 12)}</code>
                  </button>
                ),
              },
              {
                header: 'Source',
                cell: (x) => <span className="clip">{`${x.source.kind}: ${x.source.uri}`}</span>,
              },
              { header: 'Books', numeric: true, cell: (x) => x.counts.books },
              { header: 'Customers', numeric: true, cell: (x) => x.counts.customers },
              { header: 'Orders', numeric: true, cell: (x) => x.counts.orders },
              { header: 'Order lines', numeric: true, cell: (x) => x.counts.orderLines },
              { header: 'Current', cell: (x) => (x.current ? 'current' : '') },
            ]}
          />
        )}
      </Section>
      {shown === undefined ? null : (
        <>
          <Report hash={shown} />
          <Distributions hash={shown} />
          <DriftAgainstProduction hash={shown} />
        </>
      )}
    </>
  );
}

function Report(props: { hash: string }) {
  const report = useQuery({
    queryKey: ['datasets', props.hash, 'report'],
    queryFn: () => api<DatasetReportPayload>(`/datasets/${seg(props.hash)}/report`),
  });
  return (
    <Section title={`Validation of ${props.hash.slice(0, 12)}`} id="card-validation" query={report}>
      {({ report: r }) => (
        <div data-testid="validation-report">
          <p>
            <Phase phase={r.pass ? 'Passed' : 'Failed'} /> {r.distinct.books} books bought by{' '}
            {r.distinct.customers} customers in {r.distinct.baskets} orders
            {r.dateRange ? `, ${r.dateRange.first.slice(0, 10)} to ${r.dateRange.last.slice(0, 10)}` : ''}.
          </p>
          <QueryTable
            rows={r.checks}
            rowKey={(c) => c.name}
            columns={[
              { header: 'Check', cell: (c) => c.name },
              { header: 'Value', numeric: true, cell: (c) => num(c.value) },
              { header: 'Threshold', cell: (c) => `${c.op} ${num(c.threshold)}` },
              { header: 'Result', cell: (c) => <Phase phase={c.pass ? 'Passed' : 'Failed'} /> },
            ]}
          />
        </div>
      )}
    </Section>
  );
}

function Distributions(props: { hash: string }) {
  const dist = useQuery({
    queryKey: ['datasets', props.hash, 'distributions'],
    queryFn: () => api<DatasetDistributions>(`/datasets/${seg(props.hash)}/distributions`),
  });
  return (
    <Section title="Distributions" id="card-distributions" query={dist}>
      {(d) => (
        <div className="charts">
          <LineChart
            title={`Book popularity: purchases by rank (${d.popularity.books} books bought)`}
            x={d.popularity.rank}
            xIsValue
            series={[{ name: 'purchases', values: d.popularity.purchases }]}
          />
          <LineChart
            title="Basket sizes: orders by number of lines (the last holds every larger order)"
            x={d.basketSizes.size}
            xIsValue
            series={[{ name: 'orders', values: d.basketSizes.orders }]}
          />
          {d.purchasesPerDay.day.length < 2 ? (
            <p className="muted">Purchases over time: the lines carry fewer than two days.</p>
          ) : (
            <LineChart
              title="Order lines per day"
              x={d.purchasesPerDay.day.map((t) => t / 1000)}
              series={[{ name: 'lines', values: d.purchasesPerDay.lines }]}
            />
          )}
        </div>
      )}
    </Section>
  );
}

function DriftAgainstProduction(props: { hash: string }) {
  const drift = useQuery({
    queryKey: ['datasets', props.hash, 'report', 'production'],
    queryFn: () =>
      api<DatasetReportPayload>(`/datasets/${seg(props.hash)}/report${query({ against: 'production' })}`),
    retry: false,
  });
  return (
    <Section
      title="Drift from production's dataset"
      id="card-data-drift"
      query={drift}
      isEmpty={(d) => d.report.against === undefined}
      empty="No comparison."
    >
      {(d) => {
        const shift = d.report.against?.shift;
        if (shift === undefined) return null;
        const check = d.report.checks.find((c) => c.name === 'popularity-jsd');
        return (
          <div data-testid="data-drift">
            <p>
              Against {d.against?.why} (<code>{d.report.against?.dataset.hash.slice(0, 12)}</code>):
              Jensen–Shannon <strong>{num(shift.jsd)}</strong>, total variation{' '}
              <strong>{num(shift.tvd)}</strong>
              {check ? (
                <>
                  {' '}
                  <Phase phase={check.pass ? 'Passed' : 'Failed'} /> (limit {num(check.threshold)})
                </>
              ) : null}
              ; {shift.newBooks.count} books new, {shift.vanishedBooks.count} no longer bought.
            </p>
            <QueryTable
              caption="Books whose share of purchases moved most"
              rows={shift.topMovers}
              rowKey={(m) => m.book}
              columns={[
                { header: 'Book', cell: (m) => `${m.title} (${m.book})` },
                { header: 'Share before', numeric: true, cell: (m) => num(m.before) },
                { header: 'Share now', numeric: true, cell: (m) => num(m.after) },
                { header: 'Change', numeric: true, cell: (m) => num(m.change) },
              ]}
            />
          </div>
        );
      }}
    </Section>
  );
}
