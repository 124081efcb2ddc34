import { z } from 'zod';

/** Similarity measures between two items' buyer sets. */
export const SIMILARITIES = ['cosine', 'jaccard', 'lift', 'conditional'] as const;
export type Similarity = (typeof SIMILARITIES)[number];

/** Model families: item-kNN similarities, or EASE (Steck 2019) truncated to the same top-K lists. */
export const MODEL_FAMILIES = ['knn', 'ease'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** What time decay measures a purchase's age from. */
export const DECAY_REFERENCES = ['global', 'customer'] as const;
export type DecayReference = (typeof DECAY_REFERENCES)[number];

/** EASE's λ when none is given. */
export const DEFAULT_EASE_LAMBDA = 250;

/**
 * Training parameters, validated once. Defaults reproduce the original example:
 * binary customer × book matrix, cosine, top 20.
 */
export const trainParamsSchema = z
  .object({
    /** @default 'cosine' */
    similarity: z.enum(SIMILARITIES).default('cosine'),
    /** Neighbours kept per item. @default 20 */
    k: z.number().int().min(1).max(1000).default(20),
    /** Rows of the matrix: customers (all their purchases) or baskets (one order). @default 'customer' */
    unit: z.enum(['customer', 'basket']).default('customer'),
    /**
     * `conditional` is P(j | i) damped by j's popularity (Deshpande & Karypis 2004):
     * score = co / (n_i · n_j^alpha); 0 is the plain conditional probability. @default 0.5
     */
    alpha: z.number().min(0).max(1).default(0.5),
    /** Shrinkage λ: score × co / (co + λ), damping pairs seen together rarely. @default 0 */
    shrinkage: z.number().min(0).default(0),
    /** Pairs co-bought by fewer rows than this are dropped. @default 1 */
    minCoCount: z.number().int().min(1).default(1),
    /** Down-weight very heavy buyers: each row's weight is 1/log2(2+distinct items)^β. @default 0 (off) */
    heavyBuyerBeta: z.number().min(0).max(4).default(0),
    /** Time decay: a purchase's weight halves every this many days before the newest one. @default null (off) */
    halfLifeDays: z.number().positive().nullable().default(null),
    // The options below are optional rather than defaulted: a model trained without them keeps
    // exactly the params (and so the model id) it had before they existed.
    /**
     * What a purchase's age is measured from when `halfLifeDays` is set: the newest purchase overall
     * (`global`) or the customer's own newest purchase (`customer`), so that customers active long
     * ago are not faded out. @default 'global'
     */
    decayReference: z.enum(DECAY_REFERENCES).optional(),
    /**
     * Popularity penalty on the neighbour side (RP3beta-style): every score is divided by the
     * neighbour's distinct buyers to the power β. Composes with every similarity. @default 0 (off)
     */
    popularityBeta: z.number().min(0).max(2).optional(),
    /** Model family: item-kNN similarities, or EASE (closed-form ridge item-item weights). @default 'knn' */
    family: z.enum(MODEL_FAMILIES).optional(),
    /** EASE's ridge penalty λ on XᵀX's diagonal (only with `family: 'ease'`). @default 250 */
    easeLambda: z.number().positive().max(1e7).optional(),
  })
  .strict();

export type TrainParams = z.infer<typeof trainParamsSchema>;
export type TrainParamsInput = z.input<typeof trainParamsSchema>;
