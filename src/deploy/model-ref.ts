/** The registered model the cluster serves (the recommender pipeline registers under this name). */
export const MODEL_NAME_ON_CLUSTER = 'recommender';
