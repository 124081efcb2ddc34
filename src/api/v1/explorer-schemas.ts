import { z } from 'zod';

/**
 * The explorer's payloads (`/api/v1/explorer/*`): zod schemas that validate the requests, document the
 * answers in the OpenAPI document, and give the dashboard its types (`ui-types.ts`, `z.infer`).
 */

const modelName = z.string().min(1).max(128).describe('registered model name @default recommender');

/** Which model version answers: a version number, else an alias (falling back to the latest version). */
export const ModelSelector = z.object({
  model: modelName.optional(),
  alias: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('alias to read (default production); when the model has no such alias, its latest version'),
  version: z.string().regex(/^\d+$/).optional().describe('a version number; wins over alias'),
});

export const BookSearchQuery = ModelSelector.extend({
  q: z
    .string()
    .max(200)
    .optional()
    .describe('words of a title or author, or a book id; empty lists by popularity'),
  limit: z.number().int().min(1).max(100).optional().describe('books per page @default 20'),
  offset: z.number().int().min(0).optional().describe('books to skip (pages of `limit`)'),
});

export const BookParams = z.object({ id: z.string().min(1).max(256).describe('the book id') });

export const BookQuery = ModelSelector.extend({
  limit: z.number().int().min(1).max(200).optional().describe('neighbours to list @default all kept'),
});

export const RecommendQuery = ModelSelector.extend({
  books: z
    .string()
    .min(1)
    .max(10_000)
    .regex(/^[^,]+(,[^,]+){0,99}$/)
    .describe('the basket: up to 100 book ids, comma-separated (1,17,42)'),
  k: z.number().int().min(1).max(100).optional().describe('recommendations @default 10'),
});

/** The version that answered, and how it was chosen. */
export const ExplorerModelRef = z.object({
  name: z.string(),
  version: z.number(),
  aliases: z.array(z.string()).describe('aliases on that version now'),
  via: z.enum(['version', 'alias', 'latest']).describe('latest: the alias asked for does not exist'),
  alias: z.string().nullable().describe('the alias asked for'),
  books: z.number().describe('books the model knows'),
  coBuysAvailable: z.boolean().describe('whether the bundle stored co-buy counts'),
});

export const ExplorerBook = z.object({
  id: z.string(),
  title: z.string(),
  author: z.string(),
  buyers: z.number().describe('distinct buyers (rows) in the training data'),
});

export const BookPage = z.object({
  model: ExplorerModelRef,
  q: z.string(),
  total: z.number().describe('books matching, over all pages'),
  offset: z.number(),
  limit: z.number(),
  books: z.array(ExplorerBook),
});

export const Neighbour = z.object({
  book: ExplorerBook,
  score: z.number().describe('similarity (or EASE weight)'),
  coBuys: z.number().nullable().describe('rows that bought both; null when the model did not store counts'),
});

export const BookDetail = z.object({
  model: ExplorerModelRef,
  book: ExplorerBook,
  kept: z.number().describe('neighbours the model kept for the book (the list may show fewer: limit)'),
  neighbours: z.array(Neighbour),
});

export const Because = z.object({
  book: ExplorerBook,
  similarity: z.number(),
  coBuys: z.number().nullable(),
});

export const Recommended = z.object({
  book: ExplorerBook,
  score: z.number(),
  padded: z.boolean().describe('pads a short answer from the popularity list'),
  because: z.array(Because).describe('the basket books that scored it, largest share first'),
});

export const Recommendations = z.object({
  model: ExplorerModelRef,
  basket: z.array(ExplorerBook).describe('the basket books the model knows'),
  unknown: z.array(z.string()).describe('basket ids the model does not know'),
  k: z.number(),
  fallback: z.boolean().describe('the popularity list stood in (no basket book is known)'),
  recommendations: z.array(Recommended),
});
