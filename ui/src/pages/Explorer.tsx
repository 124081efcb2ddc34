import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import type {
  BookDetailPayload,
  BookPagePayload,
  ExplorerBookPayload,
  ExplorerModelRefPayload,
} from '../../../src/api/ui-types.js';
import { ApiCallError, api, query, seg } from '../api.js';
import { Card, Empty, ErrorBox, num } from '../components/ui.js';
import { BasketCard } from './ExplorerBasket.js';

const PAGE = 10;
/** Neighbours shown before "show all". */
const NEIGHBOURS = 15;

/** Which version answers: an alias (default production) or a version number. */
interface Selection {
  alias: string;
  version: string;
}

const selector = (s: Selection) =>
  s.version.trim() !== '' ? { version: s.version.trim() } : { alias: s.alias.trim() || undefined };

/**
 * Explorer: find a book by title, author or id, see its neighbours with scores and co-buy counts, and
 * build a basket to see its recommendations with "because you bought …". Reads the version an alias
 * (default production, else the latest version) or a version number names.
 */
export default function Explorer() {
  const [sel, setSel] = useState<Selection>({ alias: 'production', version: '' });
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const [book, setBook] = useState<string | null>(null);
  const [basket, setBasket] = useState<ExplorerBookPayload[]>([]);
  const search = useQuery({
    queryKey: ['explorer', 'books', sel, q, offset],
    queryFn: () =>
      api<BookPagePayload>(`/explorer/books${query({ ...selector(sel), q, offset, limit: PAGE })}`),
  });
  const add = (b: ExplorerBookPayload) =>
    setBasket((old) => (old.some((x) => x.id === b.id) ? old : [...old, b]));
  const unavailable = search.error ? <NoModel error={search.error} /> : null;
  return (
    <>
      <h1>Explorer</h1>
      <ModelPicker value={sel} onChange={setSel} model={search.data?.model} />
      {unavailable ?? (
        <>
          <SearchCard
            page={search.data}
            loading={search.isPending}
            onSearch={(text) => {
              setQ(text);
              setOffset(0);
            }}
            onPage={setOffset}
            onOpen={setBook}
            onAdd={add}
          />
          {book === null ? null : <BookCard sel={sel} id={book} onOpen={setBook} onAdd={add} />}
          <BasketCard
            model={selector(sel)}
            basket={basket}
            onRemove={(id) => setBasket((old) => old.filter((b) => b.id !== id))}
            onClear={() => setBasket([])}
            onOpen={setBook}
          />
        </>
      )}
    </>
  );
}

/** The empty state when no model can answer, naming the command that makes one. */
function NoModel(props: { error: unknown }) {
  const e = props.error;
  if (
    e instanceof ApiCallError &&
    (e.code === 'REGISTRY_MODEL_NOT_FOUND' || (e.code === 'API_NOT_FOUND' && e.field === 'model'))
  ) {
    return (
      <Empty command="bookml run recommender   # or: bookml up">
        No model is registered yet, so there is nothing to explore. Train and register one:
      </Empty>
    );
  }
  if (e instanceof ApiCallError && e.code === 'API_NOT_AVAILABLE') {
    return (
      <Empty command="bookml up">
        This control plane cannot load models ({e.message}). Run the whole loop locally:
      </Empty>
    );
  }
  return <ErrorBox error={e} />;
}

function ModelPicker(props: {
  value: Selection;
  onChange: (s: Selection) => void;
  model: ExplorerModelRefPayload | undefined;
}) {
  const ids = { alias: useId(), version: useId() };
  const [draft, setDraft] = useState(props.value);
  const m = props.model;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onChange(draft);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Model version">
      <label htmlFor={ids.alias}>Alias</label>
      <input
        id={ids.alias}
        value={draft.alias}
        onChange={(e) => setDraft({ ...draft, alias: e.target.value })}
        size={12}
      />
      <label htmlFor={ids.version}>or version</label>
      <input
        id={ids.version}
        value={draft.version}
        inputMode="numeric"
        onChange={(e) => setDraft({ ...draft, version: e.target.value })}
        size={5}
      />
      <button type="submit">Use</button>
      {m === undefined ? null : (
        <span className="muted" data-testid="explorer-model">
          {m.name} v{m.version}
          {m.via === 'latest'
            ? ` (latest: no alias "${m.alias}" yet)`
            : m.aliases.length > 0
              ? ` (${m.aliases.join(', ')})`
              : ''}{' '}
          · {m.books} books{m.coBuysAvailable ? '' : ' · no co-buy counts in this bundle'}
        </span>
      )}
    </form>
  );
}

function SearchCard(props: {
  page: BookPagePayload | undefined;
  loading: boolean;
  onSearch: (q: string) => void;
  onPage: (offset: number) => void;
  onOpen: (id: string) => void;
  onAdd: (b: ExplorerBookPayload) => void;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const p = props.page;
  return (
    <Card title="Find a book">
      <form
        className="filters"
        aria-label="Search books"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSearch(text.trim());
        }}
      >
        <label htmlFor={id}>Title, author or id</label>
        <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} size={32} />
        <button type="submit">Search</button>
      </form>
      {p === undefined ? (
        <p className="muted">{props.loading ? 'Loading…' : ''}</p>
      ) : p.books.length === 0 ? (
        <Empty>No book matches “{p.q}”. Try fewer words, or a book id.</Empty>
      ) : (
        <>
          <p className="muted">
            {p.q === '' ? 'Most bought first' : `Matching “${p.q}”`}: {p.offset + 1}–
            {p.offset + p.books.length} of {p.total}
          </p>
          <BookTable books={p.books} onOpen={props.onOpen} onAdd={props.onAdd} />
          <nav className="pager" aria-label="Search result pages">
            <button
              type="button"
              disabled={p.offset === 0}
              onClick={() => props.onPage(Math.max(0, p.offset - p.limit))}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={p.offset + p.limit >= p.total}
              onClick={() => props.onPage(p.offset + p.limit)}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </Card>
  );
}

function BookTable(props: {
  books: readonly ExplorerBookPayload[];
  onOpen: (id: string) => void;
  onAdd: (b: ExplorerBookPayload) => void;
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Title</th>
          <th scope="col">Author</th>
          <th scope="col">Buyers</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.books.map((b) => (
          <tr key={b.id}>
            <td>
              <code>{b.id}</code>
            </td>
            <td>
              <button type="button" className="link" onClick={() => props.onOpen(b.id)}>
                {b.title || `book ${b.id}`}
              </button>
            </td>
            <td>{b.author}</td>
            <td>{b.buyers}</td>
            <td>
              <AddButton book={b} onAdd={props.onAdd} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Add to basket", naming the book to screen readers after the words everyone sees. */
function AddButton(props: { book: ExplorerBookPayload; onAdd: (b: ExplorerBookPayload) => void }) {
  return (
    <button type="button" onClick={() => props.onAdd(props.book)}>
      Add to basket<span className="sr-only">: {props.book.title || props.book.id}</span>
    </button>
  );
}

function BookCard(props: {
  sel: Selection;
  id: string;
  onOpen: (id: string) => void;
  onAdd: (b: ExplorerBookPayload) => void;
}) {
  const [all, setAll] = useState(false);
  const limit = all ? undefined : NEIGHBOURS;
  const detail = useQuery({
    queryKey: ['explorer', 'book', props.sel, props.id, limit],
    queryFn: () =>
      api<BookDetailPayload>(`/explorer/books/${seg(props.id)}${query({ ...selector(props.sel), limit })}`),
  });
  const d = detail.data;
  return (
    <Card title={d ? `Neighbours of “${d.book.title || d.book.id}”` : 'Neighbours'} id="card-neighbours">
      {detail.error ? (
        <ErrorBox error={detail.error} />
      ) : d === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <p>
            <code>{d.book.id}</code> by {d.book.author || '—'}, bought by {d.book.buyers}.{' '}
            <button type="button" onClick={() => props.onAdd(d.book)}>
              Add to basket
            </button>
          </p>
          {d.neighbours.length === 0 ? (
            <Empty>No neighbour kept for this book: its answers come from the popularity list.</Empty>
          ) : (
            <table data-testid="neighbours">
              <thead>
                <tr>
                  <th scope="col">Book</th>
                  <th scope="col">Score</th>
                  <th scope="col">Co-buys</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.neighbours.map((n) => (
                  <tr key={n.book.id}>
                    <td>
                      <button type="button" className="link" onClick={() => props.onOpen(n.book.id)}>
                        {n.book.title || n.book.id}
                      </button>{' '}
                      <code className="muted">{n.book.id}</code>
                    </td>
                    <td>{num(n.score)}</td>
                    <td data-testid="co-buys">{n.coBuys ?? '—'}</td>
                    <td>
                      <AddButton book={n.book} onAdd={props.onAdd} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {d.kept > d.neighbours.length ? (
            <button type="button" className="link" onClick={() => setAll(true)}>
              Show all {d.kept} neighbours
            </button>
          ) : null}
        </>
      )}
    </Card>
  );
}
