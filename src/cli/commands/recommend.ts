import type { Command } from 'commander';
import type { ModelBundle } from '../../model/index.js';
import { appConfigOf, intOption, withArtifactStore, workspaceOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';

interface RecommendFlags {
  book?: string;
  basket?: string;
  customer?: string;
  k: number;
  model?: string;
  explain?: boolean;
  json?: boolean;
}

export function registerRecommendCommand(program: Command): void {
  program
    .command('recommend')
    .description(
      'books bought together with a book (--book) or a basket (--basket), or for a customer from their history (--customer), from the latest model',
    )
    .option('--book <id>', 'the book (its id as in the dataset; names for string ids)')
    .option('--basket <ids>', 'comma-separated book ids of a basket')
    .option('--customer <id>', 'a customer: their purchase history in the online store is the basket')
    .option('-k, --k <n>', 'how many recommendations', intOption('--k'), 5)
    .option('--model <dir>', 'model bundle folder (default: the latest model in the workspace)')
    .option('--explain', 'show which of the asked books led to each recommendation, with co-buy counts')
    .option('--json', 'machine-readable output')
    .action(async (flags: RecommendFlags, cmd: Command) => {
      if ([flags.book, flags.basket, flags.customer].filter((f) => f !== undefined).length !== 1) {
        throw usageError('give exactly one of --book ID, --basket ID,ID,… or --customer ID', 'book');
      }
      // An empty id would read as book 0 on a model of integer ids.
      if (flags.book?.trim() === '') throw usageError('--book needs a book id', 'book');
      const model = await import('../../model/index.js');
      let bundle: ModelBundle;
      if (flags.model !== undefined) {
        bundle = model.readBundle(flags.model);
      } else {
        const ws = workspaceOf(cmd);
        // The store BOOKML_ARTIFACTS names (S3 settings included), as the app's configuration resolves it.
        const latest = await withArtifactStore(cmd, (store) =>
          model.latestModel(ws.modelsDir, async () => store),
        );
        // The artifact store checked every file as it handed the folder over: read it once, unhashed.
        bundle = model.readBundle(latest.dir, { verify: false });
      }
      const rec = new model.Recommender(bundle.model);
      const index = new model.ItemIndex(bundle.itemIds, bundle.itemIdsNumeric);
      const customer =
        flags.customer === undefined
          ? undefined
          : await customerBooks(cmd, flags.customer, bundle.manifest.dataset.hash);
      const asked =
        customer !== undefined
          ? customer.books
          : flags.book !== undefined
            ? [flags.book]
            : flags
                .basket!.split(',')
                .map((s) => s.trim())
                .filter(Boolean);
      const idx =
        customer !== undefined
          ? Array.from(model.historyBasket(asked, (id) => index.indexOf(id)).basket)
          : asked.map((id) => index.indexOf(id));
      const unknown = asked.filter((id) => index.indexOf(id) < 0);
      const answer = flags.book !== undefined ? rec.forItem(idx[0], flags.k) : rec.forBasket(idx, flags.k);
      const padAt = model.paddedFrom(answer);
      const why = flags.explain ? model.explainAnswer(bundle.model, idx, answer.items) : null;
      const idOf = (i: number) => (bundle.itemIdsNumeric ? Number(bundle.itemIds[i]) : bundle.itemIds[i]);
      // What was asked is echoed as `serve` does: a known book as the model spells it (17 for "017"),
      // an unknown integer as a number on a model of integer ids, anything else as given.
      const echo = (id: string) => {
        const i = index.indexOf(id);
        if (i >= 0) return idOf(i);
        return bundle.itemIdsNumeric && /^-?\d{1,15}$/.test(id) ? Number(id) : id;
      };
      const result = {
        model: bundle.manifest.modelId,
        ...(customer !== undefined
          ? { customer_id: flags.customer, customer_known: customer.known, history: asked.map(echo) }
          : flags.book !== undefined
            ? { book_id: echo(flags.book) }
            : { book_ids: asked.map(echo) }),
        k: flags.k,
        fallback: answer.fallback,
        unknown: unknown.map(echo),
        recommendations: Array.from(answer.items, (i, r) => ({
          book_id: idOf(i),
          score: answer.scores[r],
          ...(r >= padAt ? { padded: true } : {}),
          title: bundle.title[i],
          author: bundle.author[i],
          ...(why
            ? {
                because: why[r].contributions.map((c) => ({
                  book_id: idOf(c.item),
                  similarity: c.similarity,
                  co_buys: c.coBuys,
                  title: bundle.title[c.item],
                })),
              }
            : {}),
        })),
        ...(why ? { co_buys_available: bundle.model.coCounts !== undefined } : {}),
      };
      emit(result, flags.json, (r) => {
        const head =
          customer !== undefined
            ? `for customer ${flags.customer} (${asked.length} books in their history):`
            : flags.book !== undefined
              ? `bought with ${describe(bundle, index.indexOf(flags.book), flags.book)}:`
              : `bought with the basket ${asked.join(', ')}:`;
        const note = r.fallback
          ? `\n(popularity fallback: ${
              customer !== undefined && !customer.known
                ? `no history for customer ${flags.customer} under ${customer.feature}`
                : unknown.length > 0
                  ? `unknown book ${unknown.join(', ')}`
                  : 'no co-bought books'
            })`
          : unknown.length > 0
            ? `\n(unknown, ignored: ${unknown.join(', ')})`
            : '';
        const rows = r.recommendations.map((x, n) => [
          n + 1,
          String(x.book_id),
          x.title,
          x.author,
          x.score.toFixed(4),
          n >= padAt ? 'popular' : 'model',
        ]);
        const text = `${head}\n${table(['#', 'book', 'title', 'author', 'score', 'from'], rows)}${note}`;
        return why ? `${text}\n\n${explainText(r.recommendations)}` : text;
      });
    });
}

/** A customer's books from the online store, under the feature version of the model's dataset. */
async function customerBooks(
  cmd: Command,
  customer: string,
  datasetHash: string,
): Promise<{ books: string[]; known: boolean; feature: string }> {
  const { createApp } = await import('../../app/index.js');
  const { customerHistoryRef } = await import('../../model/index.js');
  const ref = customerHistoryRef(datasetHash);
  const app = createApp(await appConfigOf(cmd));
  try {
    const entries = await (await app.stores.online()).history(ref, customer);
    return {
      books: entries?.map((e) => e.book) ?? [],
      known: entries !== undefined,
      feature: `${ref.view}@${ref.version}`,
    };
  } finally {
    await app.close();
  }
}

function describe(b: { title: readonly string[]; author: readonly string[] }, i: number, id: string): string {
  if (i < 0) return `book ${id}`;
  return b.author[i] ? `"${b.title[i]}" by ${b.author[i]}` : `"${b.title[i]}"`;
}

interface ExplainedRow {
  book_id: string | number;
  padded?: boolean;
  because?: { book_id: string | number; similarity: number; co_buys: number | null }[];
}

/** One line per recommendation: the asked books behind it, with similarity and co-buy count. */
function explainText(recs: ExplainedRow[]): string {
  const lines = recs.map((x, n) => {
    if (x.padded) return `${n + 1}. ${x.book_id}: popular, no asked book bought with it`;
    const parts = (x.because ?? []).map(
      (c) =>
        `${c.book_id} (similarity ${c.similarity.toFixed(4)}, ${
          c.co_buys === null ? 'co-buys not stored in this model' : `bought together ${c.co_buys}×`
        })`,
    );
    return `${n + 1}. ${x.book_id} because of ${parts.join(', ')}`;
  });
  return `why:\n${lines.join('\n')}`;
}
