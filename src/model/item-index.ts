/**
 * External item id → dense index. Numeric ids match by value, so "17", "017" and 17 agree.
 *
 * @example
 * const index = new ItemIndex(['1', '2', '10'], true);
 * index.indexOf('10'); // 2
 */
export class ItemIndex {
  readonly #byId = new Map<string, number>();
  readonly #numeric: boolean;

  constructor(ids: readonly string[], numeric: boolean) {
    this.#numeric = numeric;
    for (let i = 0; i < ids.length; i++) this.#byId.set(numeric ? String(Number(ids[i])) : ids[i], i);
  }

  /** The dense index of an id, or -1 when the model does not know it. */
  indexOf(id: string | number): number {
    const key = this.#numeric ? String(Number(id)) : String(id);
    return this.#byId.get(key) ?? -1;
  }
}
