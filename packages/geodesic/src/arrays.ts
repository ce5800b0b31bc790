/**
 * The compact storage of a geodesic graph: per-node typed arrays and the undirected edges in
 * compressed sparse rows (each edge stored in both directions).
 */
export interface GraphArrays {
  readonly charts: number;
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  /** Flattened data dimension D = Π dataShape. */
  readonly dataDim: number;
  /** Build settings. */
  readonly k: number;
  readonly steps: number;
  readonly epsilon: number;
  /** Number of data points the graph was built from. */
  readonly pointCount: number;
  /** Chart of each node; nodes of one chart are contiguous, chart by chart. */
  readonly nodeChart: Uint16Array;
  /** F_y(x) of each node, row-major `[nodes, d]`. */
  readonly nodeLatent: Float32Array;
  /** Data point (row of the build data) of each node. */
  readonly nodePoint: Int32Array;
  /** ψ_y(x) of each node. */
  readonly nodePsi: Float32Array;
  /** First node of each chart; `chartStart[m]` = number of nodes. */
  readonly chartStart: Int32Array;
  /** CSR: the neighbours of node i are `targets[offsets[i] .. offsets[i+1])`. */
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  /** Edge weights (decoded curve length, or decoded jump for chart-crossing edges), CSR order. */
  readonly weights: Float32Array;
  /** Rows of the orthonormal projection used by the A* heuristic, `[projDim, D]`. */
  readonly projDim: number;
  readonly projBasis: Float64Array;
  /** Q·G_y(F_y(x)) of each node, `[nodes, projDim]`. */
  readonly nodeProj: Float64Array;
  /** min over in-chart edges of weight / latent length (∞ when there is none). */
  readonly latentScale: number;
  /** Number of undirected chart-crossing edges. */
  readonly crossEdges: number;
  /** Connected component of each node, numbered by decreasing size. */
  readonly component: Int32Array;
  readonly componentSizes: Int32Array;
  /** CSR from data point to its nodes: `pointNodes[pointStart[p] .. pointStart[p+1])`. */
  readonly pointStart: Int32Array;
  readonly pointNodes: Int32Array;
}

/** Number of nodes. */
export function nodeCount(g: GraphArrays): number {
  return g.nodeChart.length;
}

/**
 * Connected components by breadth-first search over the CSR, renumbered so that component 0 is the
 * largest (ties: smallest first node).
 */
export function connectedComponents(n: number, offsets: Int32Array, targets: Int32Array): { component: Int32Array; sizes: Int32Array } {
  const comp = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  for (let s = 0; s < n; s++) {
    if (comp[s] !== -1) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    comp[s] = id;
    while (head < tail) {
      const u = queue[head++] as number;
      for (let e = offsets[u] as number; e < (offsets[u + 1] as number); e++) {
        const v = targets[e] as number;
        if (comp[v] === -1) {
          comp[v] = id;
          queue[tail++] = v;
        }
      }
    }
    sizes.push(tail);
  }
  const order = sizes.map((_, i) => i).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const rename = new Int32Array(sizes.length);
  order.forEach((old, i) => (rename[old] = i));
  for (let i = 0; i < n; i++) comp[i] = rename[comp[i] as number] as number;
  return { component: comp, sizes: Int32Array.from(order.map((o) => sizes[o] as number)) };
}

/** Build CSR (both directions) from undirected edge lists. */
export function buildCsr(n: number, a: Int32Array, b: Int32Array, w: ArrayLike<number>): { offsets: Int32Array; targets: Int32Array; weights: Float32Array } {
  const E = a.length;
  const deg = new Int32Array(n + 1);
  for (let e = 0; e < E; e++) {
    const ia = (a[e] as number) + 1;
    const ib = (b[e] as number) + 1;
    deg[ia] = (deg[ia] as number) + 1;
    deg[ib] = (deg[ib] as number) + 1;
  }
  for (let i = 0; i < n; i++) deg[i + 1] = (deg[i + 1] as number) + (deg[i] as number);
  const offsets = Int32Array.from(deg);
  const fill = Int32Array.from(deg.subarray(0, n));
  const targets = new Int32Array(2 * E);
  const weights = new Float32Array(2 * E);
  for (let e = 0; e < E; e++) {
    const u = a[e] as number;
    const v = b[e] as number;
    const wt = w[e] as number;
    let p = fill[u] as number;
    fill[u] = p + 1;
    targets[p] = v;
    weights[p] = wt;
    p = fill[v] as number;
    fill[v] = p + 1;
    targets[p] = u;
    weights[p] = wt;
  }
  return { offsets, targets, weights };
}
