import { Link } from 'wouter';
import type { VersionPayload } from '../../../src/api/ui-types.js';
import { seg } from '../api.js';
import { num } from '../components/ui.js';

function gateSummary(v: VersionPayload): string {
  const evals = Object.values(v.gates);
  if (evals.length === 0) return '—';
  return evals.map((g) => `${g.alias}: ${g.passed ? 'passed' : 'failed'}`).join(', ');
}

/** A page of versions: metrics, aliases, gate verdicts and source run; a version's button selects it. */
export function VersionTable(props: {
  versions: VersionPayload[];
  selected: number | undefined;
  onSelect: (v: number) => void;
}) {
  const keys = [...new Set(props.versions.flatMap((v) => Object.keys(v.metrics)))].slice(0, 4);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Aliases</th>
          {keys.map((k) => (
            <th key={k} scope="col">
              {k}
            </th>
          ))}
          <th scope="col">Gates</th>
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {props.versions.map((v) => (
          <tr key={v.version} className={props.selected === v.version ? 'selected' : undefined}>
            <td>
              <button type="button" className="link" onClick={() => props.onSelect(v.version)}>
                v{v.version}
              </button>
            </td>
            <td>
              {v.aliases.map((a) => (
                <span key={a} className="tag">
                  {a}
                </span>
              ))}
            </td>
            {keys.map((k) => (
              <td key={k}>{num(v.metrics[k])}</td>
            ))}
            <td>{gateSummary(v)}</td>
            <td>
              {v.sourceRun ? <Link href={`/runs/${seg(v.sourceRun)}`}>{v.sourceRun.slice(0, 14)}</Link> : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
