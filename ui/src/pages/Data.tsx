import { useQuery } from '@tanstack/react-query';
import type { DatasetListPayload } from '../../../src/api/ui-types.js';
import { ApiCallError, api } from '../api.js';
import { Card, Empty, ErrorBox, Loaded } from '../components/ui.js';

/** The workspace's datasets: content hash, source, counts, and which one is current. */
export default function Data() {
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: () => api<DatasetListPayload>('/datasets') });
  return (
    <>
      <h1>Data</h1>
      <Card title="Datasets">
        {datasets.error instanceof ApiCallError && datasets.error.code === 'API_NOT_AVAILABLE' ? (
          <Empty>This control plane does not serve datasets.</Empty>
        ) : datasets.error ? (
          <ErrorBox error={datasets.error} />
        ) : (
          <Loaded query={datasets}>
            {(d) =>
              d.datasets.length === 0 ? (
                <Empty command="bookml data generate">No dataset in this workspace yet.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Dataset</th>
                      <th scope="col">Source</th>
                      <th scope="col">Books</th>
                      <th scope="col">Customers</th>
                      <th scope="col">Orders</th>
                      <th scope="col">Order lines</th>
                      <th scope="col">Current</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.datasets.map((x) => (
                      <tr key={x.hash}>
                        <td>
                          <code>{x.hash.slice(0, 12)}</code>
                        </td>
                        <td className="clip">
                          {x.source.kind}: {x.source.uri}
                        </td>
                        <td>{x.counts.books}</td>
                        <td>{x.counts.customers}</td>
                        <td>{x.counts.orders}</td>
                        <td>{x.counts.orderLines}</td>
                        <td>{x.current ? 'current' : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
        )}
      </Card>
    </>
  );
}
