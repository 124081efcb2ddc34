/**
 * Ordering of the DAG: a stable topological sort (ties keep definition order) and, when there is none,
 * the cycle that prevents it.
 */

/** Result of {@link topologicalOrder}: the order, or one cycle as a closed path `[a, b, a]`. */
export type TopoResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Order `ids` so each comes after its dependencies. `deps(id)` lists what `id` depends on.
 * @internal
 */
export function topologicalOrder(
  ids: readonly string[],
  deps: (id: string) => readonly string[],
): TopoResult {
  const position = new Map(ids.map((id, i) => [id, i]));
  const remaining = new Map(ids.map((id) => [id, new Set(deps(id))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    let next: string | undefined;
    for (const [id, d] of remaining) {
      if (
        [...d].every((x) => !remaining.has(x)) &&
        (next === undefined || position.get(id)! < position.get(next)!)
      ) {
        next = id;
      }
    }
    if (next === undefined) return { ok: false, cycle: findCycle([...remaining.keys()], deps, position) };
    order.push(next);
    remaining.delete(next);
  }
  return { ok: true, order };
}

function findCycle(
  candidates: readonly string[],
  deps: (id: string) => readonly string[],
  position: ReadonlyMap<string, number>,
): string[] {
  const inSet = new Set(candidates);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    const next = deps(id)
      .filter((d) => inSet.has(d))
      .sort((a, b) => position.get(a)! - position.get(b)!);
    for (const d of next) {
      if (state.get(d) === 'open') {
        // Report the cycle in data-flow order (producer → consumer), starting where it was entered.
        const loop = stack.slice(stack.indexOf(d));
        return [...loop, d].reverse();
      }
      if (state.get(d) === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of [...candidates].sort((a, b) => position.get(a)! - position.get(b)!)) {
    if (state.get(id) === undefined) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return [...candidates];
}
