import { useQuery } from '@tanstack/react-query';
import type { ExplorerBookPayload, RecommendationsPayload } from '../../../src/api/ui-types.js';
import { api, query } from '../api.js';
import { Card, Empty, ErrorBox, num } from '../components/ui.js';

/**
 * The basket: its books, and what the model recommends with them, each with "because you bought …"
 * (the basket books that scored it, with their co-buy counts).
 */
export function BasketCard(props: {
  /** The model selector as query parameters (alias or version). */
  model: Record<string, string | undefined>;
  basket: readonly ExplorerBookPayload[];
  onRemove: (id: string) => void;
  onClear: () => void;
  onOpen: (id: string) => void;
}) {
  const ids = props.basket.map((b) => b.id);
  const rec = useQuery({
    queryKey: ['explorer', 'recommend', props.model, ids],
    enabled: ids.length > 0,
    queryFn: () =>
      api<RecommendationsPayload>(`/explorer/recommend${query({ ...props.model, books: ids.join(',') })}`),
  });
  return (
    <Card title="Basket">
      {props.basket.length === 0 ? (
        <Empty>
          The basket is empty: add books from the search or a book's neighbours to see what comes with them.
        </Empty>
      ) : (
        <>
          <ul className="plain basket" aria-label="Books in the basket">
            {props.basket.map((b) => (
              <li key={b.id}>
                {b.title || b.id} <code className="muted">{b.id}</code>{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() => props.onRemove(b.id)}
                  aria-label={`remove ${b.title || b.id}`}
                >
                  remove
                </button>
              </li>
            ))}
          </ul>
          <button type="button" onClick={props.onClear}>
            Empty the basket
          </button>
          <h3>Recommended</h3>
          {rec.error ? (
            <ErrorBox error={rec.error} />
          ) : rec.data === undefined ? (
            <p className="muted">Asking the model…</p>
          ) : (
            <Recommended answer={rec.data} onOpen={props.onOpen} />
          )}
        </>
      )}
    </Card>
  );
}

function Recommended(props: { answer: RecommendationsPayload; onOpen: (id: string) => void }) {
  const a = props.answer;
  return (
    <>
      {a.fallback ? (
        <p className="muted">The model knows no book of this basket: these are the most bought books.</p>
      ) : null}
      <ol className="recommendations" data-testid="recommendations">
        {a.recommendations.map((r) => (
          <li key={r.book.id}>
            <button type="button" className="link" onClick={() => props.onOpen(r.book.id)}>
              {r.book.title || r.book.id}
            </button>{' '}
            <span className="muted">score {num(r.score)}</span>
            <br />
            {r.because.length > 0 ? (
              <span className="because">
                because you bought{' '}
                {r.because.map((c, i) => (
                  <span key={c.book.id}>
                    {i === 0 ? '' : i === r.because.length - 1 ? ' and ' : ', '}“{c.book.title || c.book.id}”
                    {c.coBuys === null ? '' : ` (${c.coBuys} co-buys)`}
                  </span>
                ))}
              </span>
            ) : (
              <span className="muted">{r.padded ? 'a popular pick: no basket book points to it' : ''}</span>
            )}
          </li>
        ))}
      </ol>
      {a.unknown.length > 0 ? (
        <p className="muted">The model does not know: {a.unknown.join(', ')}.</p>
      ) : null}
    </>
  );
}
