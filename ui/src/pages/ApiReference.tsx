import { useQuery } from '@tanstack/react-query';
import { Card, Loaded } from '../components/ui.js';

interface Operation {
  summary?: string;
  tags?: string[];
  'x-bookml-role'?: string;
}
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

/** The control plane's routes from its own OpenAPI document (`/api/docs`), grouped by tag. */
export default function ApiReference() {
  const doc = useQuery({
    queryKey: ['openapi'],
    queryFn: async () => (await (await fetch('/api/docs')).json()) as OpenApiDoc,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <>
      <h1>API reference</h1>
      <p>
        The OpenAPI 3.1 document: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a>.
      </p>
      <Loaded query={doc}>
        {(d) => {
          const byTag = new Map<string, Array<[string, string, Operation]>>();
          for (const [path, ops] of Object.entries(d.paths)) {
            for (const [method, op] of Object.entries(ops)) {
              const tag = op.tags?.[0] ?? 'other';
              byTag.set(tag, [...(byTag.get(tag) ?? []), [method, path, op]]);
            }
          }
          return [...byTag].map(([tag, ops]) => (
            <Card key={tag} title={tag} id={`api-${tag}`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Method</th>
                    <th scope="col">Path</th>
                    <th scope="col">Role</th>
                    <th scope="col">What</th>
                  </tr>
                </thead>
                <tbody>
                  {ops.map(([method, path, op]) => (
                    <tr key={`${method} ${path}`}>
                      <td>
                        <code>{method.toUpperCase()}</code>
                      </td>
                      <td>
                        <code>{path}</code>
                      </td>
                      <td>{op['x-bookml-role'] ?? ''}</td>
                      <td>{op.summary}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          ));
        }}
      </Loaded>
    </>
  );
}
