import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type {
  AliasEventPayload,
  ApprovalPayload,
  ModelPayload,
  RegistryChangePayload,
} from '../../../src/api/ui-types.js';
import { api, query, seg } from '../api.js';
import { Section } from '../components/section.js';
import { ErrorBox, when } from '../components/ui.js';
import { useSession } from '../session.js';

/**
 * Move an alias back to the version it held before (operators and approvers; the API checks the role
 * again, and records who did it and why).
 */
export function RollbackForm(props: { model: ModelPayload }) {
  const { model } = props;
  const session = useSession();
  const client = useQueryClient();
  const aliases = Object.keys(model.aliases);
  const [alias, setAlias] = useState(aliases.includes('production') ? 'production' : (aliases[0] ?? ''));
  const [reason, setReason] = useState('');
  const ids = { alias: useId(), reason: useId() };
  const rollback = useMutation({
    mutationFn: () =>
      api<AliasEventPayload>(`/models/${seg(model.name)}/rollback`, {
        method: 'POST',
        body: { alias, reason },
      }),
    onSuccess: () => void client.invalidateQueries(),
  });
  if (!session.can('operator') || aliases.length === 0) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    rollback.mutate();
  };
  return (
    <form className="approve" onSubmit={submit} aria-label="Roll back an alias">
      <label htmlFor={ids.alias}>Alias</label>
      <select id={ids.alias} value={alias} onChange={(e) => setAlias(e.target.value)}>
        {aliases.map((a) => (
          <option key={a} value={a}>
            {a} (v{model.aliases[a]})
          </option>
        ))}
      </select>
      <label htmlFor={ids.reason}>Reason</label>
      <input id={ids.reason} value={reason} required onChange={(e) => setReason(e.target.value)} />
      <button type="submit" disabled={rollback.isPending || reason.trim() === ''}>
        Roll back {alias}
      </button>
      {rollback.error ? <ErrorBox error={rollback.error} /> : null}
      {rollback.data ? (
        <span className="ok">
          {rollback.data.alias} → v{rollback.data.toVersion}
        </span>
      ) : null}
    </form>
  );
}

/** One line of the audit timeline, whatever it came from. */
interface Entry {
  key: string;
  at: number;
  what: string;
  actor: string | null;
  reason: string | null;
}

function entries(
  aliasEvents: readonly AliasEventPayload[],
  changes: readonly RegistryChangePayload[],
  approvals: readonly ApprovalPayload[],
): Entry[] {
  const out: Entry[] = [
    ...aliasEvents.map((e) => ({
      key: `a${e.id}`,
      at: e.at,
      what: `${e.alias} ${e.action} v${e.fromVersion ?? '—'} → v${e.toVersion ?? '—'}${e.gates ? ` (gates ${e.gates.passed ? 'passed' : 'failed'})` : ''}`,
      actor: e.actor,
      reason: e.reason,
    })),
    ...changes.map((c) => ({
      key: `c${c.id}`,
      at: c.at,
      what: `${c.action}${c.version === null ? '' : ` v${c.version}`}`,
      actor: c.actor,
      reason: c.reason,
    })),
    ...approvals
      .filter((a) => a.decidedAt !== null)
      .map((a) => ({
        key: `p${a.id}`,
        at: a.decidedAt ?? 0,
        what: `approval ${a.status}: v${a.version} → ${a.alias}${a.method === 'auto' ? ' (auto)' : ''}`,
        actor: a.decidedBy,
        reason: a.reason,
      })),
  ];
  return out.sort((a, b) => b.at - a.at);
}

/**
 * Everything the registry recorded about a model, newest first: alias moves (with their gates),
 * registry changes (versions, tags, policy) and approval decisions — who, when and why.
 */
export function AuditTimeline(props: { name: string; approvals: readonly ApprovalPayload[] }) {
  const { name } = props;
  const timeline = useQuery({
    queryKey: ['audit', name, 'timeline'],
    queryFn: async () => {
      const [a, c] = await Promise.all([
        api<{ events: AliasEventPayload[] }>(`/audit${query({ model: name, limit: 100 })}`),
        api<{ changes: RegistryChangePayload[] }>(`/audit/changes${query({ model: name, limit: 100 })}`),
      ]);
      return { aliasEvents: a.events, changes: c.changes };
    },
  });
  return (
    <Section
      title="Audit timeline"
      query={timeline}
      isEmpty={(d) => d.aliasEvents.length === 0 && d.changes.length === 0}
      empty="Nothing recorded for this model yet."
    >
      {(d) => (
        <ol className="timeline" data-testid="audit-timeline">
          {entries(d.aliasEvents, d.changes, props.approvals)
            .slice(0, 100)
            .map((e) => (
              <li key={e.key}>
                {when(e.at)}: <strong>{e.what}</strong> by {e.actor ?? '—'}
                {e.reason ? ` — ${e.reason}` : ''}
              </li>
            ))}
        </ol>
      )}
    </Section>
  );
}
