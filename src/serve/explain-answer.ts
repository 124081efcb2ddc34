import { explainAnswer, paddedFrom, type Recommendation } from '../model/index.js';
import { type ServedModel, scoreJson } from './served-model.js';

/**
 * `/recommend?explain=true`: the answer with its evidence. Each recommendation carries `because`,
 * the basket's books that scored it — `{"book_id", "similarity", "co_buys", "title"}`, largest
 * share first (empty for popularity padding) — and the answer says whether the model stored co-buy
 * counts (`co_buys_available`; `co_buys` is null when it did not, e.g. a bundle from before them).
 *
 * A separate slow path: the plain answer's prebuilt bytes are never touched by it.
 *
 * @example
 * explainedAnswerJson(model, '"book_id":1,"k":3', Int32Array.of(idx), model.recommender.forItem(idx, 3));
 */
export function explainedAnswerJson(
  model: ServedModel,
  head: string,
  basket: Int32Array,
  answer: Recommendation,
  extra = '',
): string {
  const b = model.bundle;
  const why = explainAnswer(b.model, basket, answer.items);
  const padAt = paddedFrom(answer);
  const recs = why.map((e, t) => {
    const j = e.item;
    const because = e.contributions.map(
      (c) =>
        `{"book_id":${model.idJson(c.item)},"similarity":${num(c.similarity)},"co_buys":${
          c.coBuys ?? 'null'
        },"title":${JSON.stringify(b.items.title(c.item))}}`,
    );
    return `{"book_id":${model.idJson(j)},"score":${scoreJson(answer.scores, t)}${
      t >= padAt ? ',"padded":true' : ''
    },"title":${JSON.stringify(b.items.title(j))},"author":${JSON.stringify(b.items.author(j))},"because":[${because.join(',')}]}`;
  });
  return `{${head},"recommendations":[${recs.join(',')}],"version":${model.versionJson},"fallback":${
    answer.fallback
  }${extra},"co_buys_available":${b.model.coCounts !== undefined}}`;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}
