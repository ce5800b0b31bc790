/**
 * Shortest-path search over the CSR graph plus a query's temporary nodes: Dijkstra, and A* with a
 * consistent heuristic (binary heap with lazy deletion). The Dijkstra here is the reference that
 * the ngraph.path queries are tested against.
 */

import { InvalidArgumentError, checkAllocation, checkFunction, checkInteger, describeValue } from "@atlas/core";

/** Read access to a graph with extra (temporary) adjacency. */
export interface SearchGraph {
  /** Total node ids in use (graph nodes then temporary ones). */
  readonly size: number;
  /** Call `visit(v, w)` for each neighbour v of u with edge weight w. */
  forEachNeighbour(u: number, visit: (v: number, w: number) => void): void;
}

/** A found path, `from` first. */
export interface SearchResult {
  readonly ids: number[];
  readonly cost: number;
  /** Nodes taken off the queue (settled). */
  readonly expanded: number;
}

/** Minimal binary heap of (priority, id). */
class Heap {
  private pri = new Float64Array(1024);
  private ids = new Int32Array(1024);
  size = 0;
  push(p: number, id: number): void {
    if (this.size === this.pri.length) {
      const pri = new Float64Array(this.size * 2);
      pri.set(this.pri);
      this.pri = pri;
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.pri[parent] as number) <= p) break;
      this.pri[i] = this.pri[parent] as number;
      this.ids[i] = this.ids[parent] as number;
      i = parent;
    }
    this.pri[i] = p;
    this.ids[i] = id;
  }
  /** Pop the minimum; returns its id (priority in `lastPriority`). */
  lastPriority = 0;
  pop(): number {
    const top = this.ids[0] as number;
    this.lastPriority = this.pri[0] as number;
    const n = --this.size;
    if (n > 0) {
      const p = this.pri[n] as number;
      const id = this.ids[n] as number;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (this.pri[c + 1] as number) < (this.pri[c] as number)) c++;
        if ((this.pri[c] as number) >= p) break;
        this.pri[i] = this.pri[c] as number;
        this.ids[i] = this.ids[c] as number;
        i = c;
      }
      this.pri[i] = p;
      this.ids[i] = id;
    }
    return top;
  }
}

/**
 * A* from `from` to `to` with heuristic `h(v)` (a lower bound on the distance from v to `to`);
 * with `h = 0` this is Dijkstra's algorithm. Optimal when h is consistent
 * (h(u) ≤ w(u, v) + h(v) on every edge), which holds for the heuristics of this package.
 * Returns `null` when `to` is unreachable.
 */
export function csrSearch(g: SearchGraph, from: number, to: number, h?: (v: number) => number): SearchResult | null {
  if (g === null || typeof g !== "object") throw new InvalidArgumentError("g", `expected a graph { size, forEachNeighbour }, got ${describeValue(g)}`);
  checkInteger("g.size", g.size, { min: 1 });
  checkAllocation("g.size", g.size, 17);
  checkFunction("g.forEachNeighbour", g.forEachNeighbour);
  checkInteger("from", from, { min: 0, max: g.size - 1 });
  checkInteger("to", to, { min: 0, max: g.size - 1 });
  if (h !== undefined) checkFunction("h", h);
  return search(g, from, to, h);
}

function search(g: SearchGraph, from: number, to: number, h?: (v: number) => number): SearchResult | null {
  const bound = (v: number): number => {
    const b = (h as (v: number) => number)(v);
    if (typeof b !== "number" || !(b >= 0) || b === Infinity) throw new InvalidArgumentError("h", `expected a finite lower bound ≥ 0, got ${describeValue(b)} for node ${v}`);
    return b;
  };
  const dist = new Float64Array(g.size).fill(Infinity);
  const prev = new Int32Array(g.size).fill(-1);
  const closed = new Uint8Array(g.size);
  const heap = new Heap();
  dist[from] = 0;
  heap.push(h ? bound(from) : 0, from);
  let expanded = 0;
  let u = -1;
  const relax = (v: number, w: number): void => {
    if (!Number.isInteger(v) || v < 0 || v >= g.size) throw new InvalidArgumentError("g", `forEachNeighbour gave node ${describeValue(v)}, outside [0, ${g.size - 1}]`);
    if (typeof w !== "number" || !(w >= 0) || w === Infinity) throw new InvalidArgumentError("g", `expected edge weights ≥ 0 (finite), got ${describeValue(w)} on ${u} → ${v}`);
    if (closed[v]) return;
    const nd = (dist[u] as number) + w;
    if (nd < (dist[v] as number)) {
      dist[v] = nd;
      prev[v] = u;
      heap.push(h ? nd + bound(v) : nd, v);
    }
  };
  while (heap.size > 0) {
    u = heap.pop();
    if (closed[u]) continue;
    closed[u] = 1;
    expanded++;
    if (u === to) break;
    g.forEachNeighbour(u, relax);
  }
  if (!closed[to]) return null;
  const ids: number[] = [];
  for (let v = to; v !== -1; v = prev[v] as number) ids.push(v);
  ids.reverse();
  return { ids, cost: dist[to] as number, expanded };
}
