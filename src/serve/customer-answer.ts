import { customerHistoryRef, historyBasket, type Recommendation } from '../model/index.js';
import { parseIntText } from './book-ids.js';
import { explainedAnswerJson } from './explain-answer.js';
import type { ServeContext } from './serve-context.js';
import type { ServedModel } from './served-model.js';

/**
 * What serving asks of the online store: one customer's history under a feature version, newest
 * first, or `undefined` for a customer it has none of. Structural, so `serve/` needs no store: the
 * composition root hands in the configured one (Redis or the metadata database).
 */
export interface HistoryReader {
  history(
    ref: { readonly view: string; readonly version: string },
    customer: string,
  ): Promise<readonly { readonly book: string; readonly time: number }[] | undefined>;
}

/** A personal answer: the JSON to send and the basket it was scored from (for the log and the shadow). */
export interface CustomerAnswer {
  /** The whole `/recommend` answer. */
  readonly json: string;
  /** The same without `version` (a V1 prediction): `{"customer_id":…,"k":…,"recommendations":[…],"fallback":…,…}`. */
  readonly predictionJson: string;
  readonly basket: Int32Array;
  /** The basket's books in the model's id type (numbers for integer ids), for the prediction log. */
  readonly books: readonly (string | number)[];
  readonly answer: Recommendation;
}

/** Most characters of a customer id: the same bound as the query string's schema. */
export const MAX_CUSTOMER_ID = 256;

/**
 * Answer a customer and feed the prediction log and the shadow as a basket answer (the books that
 * were scored). A customer with nothing to score is not logged: the log's records are answers to
 * books, and an empty basket is none.
 */
export async function answerCustomer(
  ctx: Pick<ServeContext, 'history' | 'predictionLog' | 'shadow'>,
  model: ServedModel,
  customer: string,
  k: number,
  explain: boolean,
): Promise<CustomerAnswer> {
  const a = await customerAnswer(ctx, model, customer, k, explain);
  if (a.basket.length > 0) {
    ctx.predictionLog?.recordBasket(model, a.basket, a.books, k);
    ctx.shadow?.offerBasket(model, a.basket, k);
  }
  return a;
}

/**
 * Recommend for a customer from their own history, read from the online store under the feature
 * version of the answering model's dataset (so a canary or shadow trained on other data reads its
 * own histories), scored as a basket (`model/customer-history.ts` defines it). New orders appended to
 * the store change the next answer without a reload. A customer with no history — or none the model
 * knows — gets the popularity list with `"fallback": true` and `"customer_known": false` when the
 * store has no history at all, as an unknown book does.
 *
 * Shape: `{"customer_id":"7","k":5,"recommendations":[…],"version":"3","fallback":false,
 * "customer_known":true,"history":{"books":12,"unknown":0}}`; with `explain`, every recommendation's
 * `because` names the customer's books that scored it.
 */
export async function customerAnswer(
  ctx: Pick<ServeContext, 'history'>,
  model: ServedModel,
  customer: string,
  k: number,
  explain: boolean,
): Promise<CustomerAnswer> {
  model.recommender.checkK(k);
  const entries =
    ctx.history === null
      ? undefined
      : await ctx.history.history(customerHistoryRef(model.bundle.manifest.dataset.hash), customer);
  const books = entries === undefined ? [] : entries.map((e) => e.book);
  const { basket, unknown } = historyBasket(books, (b) => indexOfStored(model, b));
  const answer = model.recommender.forBasket(basket, k);
  if (answer.fallback) model.stats.fallbacks++;
  const head = `"customer_id":${JSON.stringify(customer)},"k":${k}`;
  const tail = `,"customer_known":${entries !== undefined},"history":{"books":${books.length},"unknown":${unknown}}`;
  const recs = model.answerJson(answer);
  const json = explain
    ? explainedAnswerJson(model, head, basket, answer, tail)
    : `{${head},"recommendations":[${recs}],"version":${model.versionJson},"fallback":${answer.fallback}${tail}}`;
  const predictionJson = `{${head},"recommendations":[${recs}],"fallback":${answer.fallback}${tail}}`;
  const known: (string | number)[] = [];
  for (let i = 0; i < basket.length; i++) {
    const id = model.bundle.itemIds[basket[i]];
    known.push(model.numericIds ? Number(id) : id);
  }
  return { json, predictionJson, basket, books: known, answer };
}

/** A stored book id (text) as the model's index; -1 when the model does not know it. */
function indexOfStored(model: ServedModel, book: string): number {
  if (!model.numericIds) return model.ids.ofText(book);
  const v = parseIntText(book);
  return Number.isNaN(v) ? -1 : model.ids.ofNumber(v);
}

/** A customer id from a query string or a JSON body, as text; `undefined` when it is not one. */
export function customerIdText(raw: unknown): string | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  if (typeof raw === 'string' && raw !== '' && raw.length <= MAX_CUSTOMER_ID) return raw;
  return undefined;
}
