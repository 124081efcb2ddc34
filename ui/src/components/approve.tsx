import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type { ApprovalPayload, PromotionOutcomePayload } from '../../../src/api/ui-types.js';
import { api, seg } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox } from './ui.js';

/**
 * Approve a pending request with a reason: shown to approvers only (anyone else sees who may). The API
 * re-checks the role and the gates.
 */
export function ApproveForm(props: { approval: ApprovalPayload }) {
  const { approval: a } = props;
  const session = useSession();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const id = useId();
  const approve = useMutation({
    mutationFn: () =>
      api<PromotionOutcomePayload>(`/models/${seg(a.model)}/versions/${a.version}/approve`, {
        method: 'POST',
        body: { reason, alias: a.alias },
      }),
    onSuccess: () => void client.invalidateQueries(),
  });
  if (!session.can('approver')) return <span className="muted">waiting for an approver</span>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    approve.mutate();
  };
  return (
    <form className="approve" onSubmit={submit}>
      <label htmlFor={id}>Reason</label>
      <input id={id} value={reason} required onChange={(e) => setReason(e.target.value)} />
      <button type="submit" disabled={approve.isPending || reason.trim() === ''}>
        Approve v{a.version} for {a.alias}
      </button>
      {approve.error ? <ErrorBox error={approve.error} /> : null}
      {approve.data ? <span className="ok">{approve.data.status}</span> : null}
    </form>
  );
}
