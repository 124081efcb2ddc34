import type { z } from 'zod';
import { explainAnswer, ItemIndex, type ModelBundle, paddedFrom, Recommender } from '../../model/index.js';
import { type Registry, RegistryError } from '../../registry/index.js';
import { loadVerifiedBundle } from '../../serve/index.js';
import type { ArtifactStore } from '../../store/index.js';
import { ApiError } from '../errors.js';
import type {
  BookDetail,
  BookPage,
  ExplorerBook,
  ExplorerModelRef,
  ModelSelector,
  Recommendations,
} from './explorer-schemas.js';

type Selector = z.infer<typeof ModelSelector>;
type Ref = z.infer<typeof ExplorerModelRef>;
type Book = z.infer<typeof ExplorerBook>;

/** A loaded version: its bundle, id lookup, a recommender, and lower-cased text to search. */
interface Loaded {
  readonly bundle: ModelBundle;
  readonly index: ItemIndex;
  readonly recommender: Recommender;
  /** Per book, "title\nauthor" lower-cased, built once per load. */
  readonly haystack: readonly string[];
  /** Books by popularity, then those never bought: the order of an empty search. */
  readonly byPopularity: Int32Array;
}

/** Versions kept loaded; a few cover production, staging and one being looked at. */
const CACHE_SIZE = 4;

/**
 * The explorer's models: a selector (version, else alias, else the latest version) resolved through the
 * registry, its bundle fetched from the artifact store (verified there) and loaded once per version into
 * this process; the few most recently used versions stay loaded. Answers are built from the model's
 * own arrays and `explainAnswer` — the evidence `/recommend?explain=true` serves.
 */
export class ExplorerModels {
  readonly #registry: Registry;
  readonly #artifacts: ArtifactStore | undefined;
  readonly #cache = new Map<string, Promise<Loaded>>();

  constructor(registry: Registry, artifacts: ArtifactStore | undefined) {
    this.#registry = registry;
    this.#artifacts = artifacts;
  }

  /** Books whose id equals `q`, or whose title or author holds its words; empty `q` lists by popularity. */
  async search(sel: Selector, q: string, offset: number, limit: number): Promise<z.infer<typeof BookPage>> {
    const { ref, m } = await this.#open(sel);
    const words = q
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '');
    let hits: number[];
    if (words.length === 0) {
      hits = Array.from(m.byPopularity);
    } else {
      const exact = m.index.indexOf(q.trim());
      const phrase = words.join(' ');
      const ranked: Array<[number, number]> = [];
      for (let i = 0; i < m.haystack.length; i++) {
        const h = m.haystack[i];
        if (i === exact || !words.every((w) => h.includes(w))) continue;
        // Titles that start with the words as typed first, then any match; popularity breaks ties.
        ranked.push([h.startsWith(phrase) ? 0 : 1, i]);
      }
      const pop = m.bundle.model.popularity;
      ranked.sort((a, b) => a[0] - b[0] || pop[b[1]] - pop[a[1]] || a[1] - b[1]);
      hits = exact >= 0 ? [exact, ...ranked.map((r) => r[1])] : ranked.map((r) => r[1]);
    }
    return {
      model: ref,
      q,
      total: hits.length,
      offset,
      limit,
      books: hits.slice(offset, offset + limit).map((i) => bookOf(m.bundle, i)),
    };
  }

  /** One book and its kept neighbours, best first, with scores and co-buy counts. */
  async book(sel: Selector, id: string, limit: number | undefined): Promise<z.infer<typeof BookDetail>> {
    const { ref, m } = await this.#open(sel);
    const i = m.index.indexOf(id);
    if (i < 0) {
      throw new ApiError('API_NOT_FOUND', `${ref.name} v${ref.version} does not know book ${id}`, {
        field: 'id',
      });
    }
    const knn = m.bundle.model;
    const end =
      limit === undefined ? knn.offsets[i + 1] : Math.min(knn.offsets[i + 1], knn.offsets[i] + limit);
    const neighbours: z.infer<typeof BookDetail>['neighbours'] = [];
    for (let p = knn.offsets[i]; p < end; p++) {
      neighbours.push({
        book: bookOf(m.bundle, knn.neighbours[p]),
        score: knn.scores[p],
        coBuys: knn.coCounts ? knn.coCounts[p] : null,
      });
    }
    return { model: ref, book: bookOf(m.bundle, i), kept: knn.offsets[i + 1] - knn.offsets[i], neighbours };
  }

  /** A basket's recommendations, each with the basket books that scored it ("because you bought …"). */
  async recommend(
    sel: Selector,
    ids: readonly string[],
    k: number,
  ): Promise<z.infer<typeof Recommendations>> {
    const { ref, m } = await this.#open(sel);
    const kk = Math.min(k, m.recommender.maxK);
    const idx = Int32Array.from(ids, (id) => m.index.indexOf(id));
    const answer = m.recommender.forBasket(idx, kk);
    const why = explainAnswer(m.bundle.model, idx, answer.items);
    const padAt = paddedFrom(answer);
    const known = [...new Set(Array.from(idx).filter((i) => i >= 0))];
    return {
      model: ref,
      basket: known.map((i) => bookOf(m.bundle, i)),
      unknown: ids.filter((_id, t) => idx[t] < 0),
      k: kk,
      fallback: answer.fallback,
      recommendations: why.map((e, t) => ({
        book: bookOf(m.bundle, e.item),
        score: answer.scores[t],
        padded: t >= padAt,
        because: e.contributions.map((c) => ({
          book: bookOf(m.bundle, c.item),
          similarity: c.similarity,
          coBuys: c.coBuys,
        })),
      })),
    };
  }

  /** The version the selector names, loaded. */
  async #open(sel: Selector): Promise<{ ref: Ref; m: Loaded }> {
    const name = sel.model ?? 'recommender';
    const alias = sel.alias ?? 'production';
    let via: Ref['via'];
    let v: Awaited<ReturnType<Registry['getVersion']>>;
    if (sel.version !== undefined) {
      v = await this.#registry.getVersion(name, sel.version);
      via = 'version';
    } else {
      try {
        v = await this.#registry.resolveAlias(name, alias);
        via = 'alias';
      } catch (e) {
        if (!(e instanceof RegistryError && e.code === 'REGISTRY_ALIAS_NOT_FOUND')) throw e;
        const [latest] = await this.#registry.listVersions(name, { limit: 1 });
        if (latest === undefined) {
          throw new ApiError(
            'API_NOT_FOUND',
            `no version of ${name} is registered yet: run \`bookml run recommender\` (or \`bookml up\`)`,
            { field: 'model' },
          );
        }
        v = latest;
        via = 'latest';
      }
    }
    const m = await this.#load(name, v.version, v.artifactHash, v.artifactUri);
    return {
      ref: {
        name,
        version: v.version,
        aliases: v.aliases,
        via,
        alias: sel.version === undefined ? alias : null,
        books: m.bundle.model.nItems,
        coBuysAvailable: m.bundle.model.coCounts !== undefined,
      },
      m,
    };
  }

  #load(name: string, version: number, hash: string | null, uri: string): Promise<Loaded> {
    const key = `${name}\0${version}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const artifacts = this.#artifacts;
    if (artifacts === undefined)
      throw new ApiError('API_NOT_AVAILABLE', 'this control plane has no artifact store to load models from');
    if (hash === null) {
      throw new ApiError(
        'API_NOT_AVAILABLE',
        `${name} v${version} has no stored bundle (${uri}); register one through the pipeline`,
        { field: 'version' },
      );
    }
    const loading = artifacts
      .getDir(hash)
      .then((dir) => loadVerifiedBundle(dir, { verified: true }))
      .then(prepare);
    // A failed load is not kept: the next request tries again.
    loading.catch(() => this.#cache.delete(key));
    this.#cache.set(key, loading);
    while (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return loading;
  }
}

function prepare(bundle: ModelBundle): Loaded {
  const knn = bundle.model;
  const haystack = bundle.itemIds.map((_id, i) =>
    `${bundle.title[i] ?? ''}\n${bundle.author[i] ?? ''}`.toLowerCase(),
  );
  const seen = new Uint8Array(knn.nItems);
  const byPopularity = new Int32Array(knn.nItems);
  let n = 0;
  for (const i of knn.popularOrder) {
    seen[i] = 1;
    byPopularity[n++] = i;
  }
  for (let i = 0; i < knn.nItems; i++) if (seen[i] === 0) byPopularity[n++] = i;
  return {
    bundle,
    index: new ItemIndex(bundle.itemIds, bundle.itemIdsNumeric),
    recommender: new Recommender(knn),
    haystack,
    byPopularity,
  };
}

function bookOf(bundle: ModelBundle, i: number): Book {
  return {
    id: bundle.itemIds[i],
    title: bundle.title[i] ?? '',
    author: bundle.author[i] ?? '',
    buyers: bundle.model.popularity[i],
  };
}
