/**
 * A tiled matrix-product skeleton in WGSL for TensorFlow.js's WebGPU backend, for kernels that are
 * matrix products of gathered views ("implicit GEMM"): out[row, col] = Σ_k A[row, k] · B[k, col],
 * where A and B are never materialised — the kernel supplies WGSL functions that read one element
 * of each from its inputs (im2col-style index arithmetic, zero outside the image).
 *
 * Structure (the classic shared-memory tiling): a workgroup of 256 threads computes a TM × TN tile
 * of the output; per step it stages a TK-deep slice of A (TK × TM) and B (TK × TN) in workgroup
 * memory, then every thread accumulates its RM × RN outputs (rows ty + WY·i, columns tx + WX·j,
 * so neighbouring threads write neighbouring columns). Workgroup z selects a "part": a split of
 * the k range (split-K: partial sums reduced by a second pass) or a sub-problem (the phases of a
 * strided input gradient). Every loop bound is a compile-time constant so the barriers sit in
 * uniform control flow; the kernel's own bounds (rows, k range of a part) are checked per element.
 *
 * No code here imports @tensorflow/tfjs-backend-webgpu: the program is the plain object that the
 * backend's `runWebGPUProgram` takes (its `WebGPUProgram` interface), so @atlas/core works without
 * the WebGPU package installed.
 */
import type * as tf from "@tensorflow/tfjs";

/** The subset of tfjs-backend-webgpu's `WebGPUProgram` interface Atlas's programs fill in. */
export interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode: () => string;
}

/** The subset of tfjs-backend-webgpu's `WebGPUBackend` the kernels use. */
export interface WebGpuBackendLike {
  runWebGPUProgram(program: WebGpuProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: { type: string; data: number[] }[], output?: tf.TensorInfo): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  readonly device?: { limits: { maxComputeWorkgroupsPerDimension: number } };
}

/** Whether `backend` can run WebGPU programs (it is tfjs's WebGPU backend). */
export function isWebGpuBackend(backend: unknown): backend is WebGpuBackendLike {
  return typeof (backend as { runWebGPUProgram?: unknown } | null)?.runWebGPUProgram === "function";
}

/** Threads per workgroup (x: columns, y: rows). */
export const GEMM_THREADS = 256;

/** Tile shape of one GEMM program. */
export interface GemmTile {
  /** Threads along columns (1, 2, 4, 8 or 16); threads along rows WY = 256 / WX. */
  wx: number;
  /** Outputs per thread along rows. */
  rm: number;
  /** Outputs per thread along columns. */
  rn: number;
  /** Depth of a k step. */
  tk: number;
}

/** Rows and columns a tile covers. */
export function tileExtent(t: GemmTile): { tm: number; tn: number; wy: number } {
  const wy = GEMM_THREADS / t.wx;
  return { tm: wy * t.rm, tn: t.wx * t.rn, wy };
}

/**
 * A tile for an output of `rows` × `cols`: as many columns per workgroup as there are (up to 64),
 * then rows to fill 256 threads, up to 16 outputs per thread (4 × 4 at full size).
 */
export function chooseTile(rows: number, cols: number): GemmTile {
  let wx: number;
  let rn: number;
  if (cols >= 64) [wx, rn] = [16, 4];
  else if (cols >= 32) [wx, rn] = [16, 2];
  else if (cols >= 16) [wx, rn] = [16, 1];
  else if (cols >= 8) [wx, rn] = [8, 1];
  else if (cols >= 4) [wx, rn] = [4, 1];
  else if (cols >= 2) [wx, rn] = [2, 1];
  else [wx, rn] = [1, 1];
  const wy = GEMM_THREADS / wx;
  // rows per thread: enough to reach a 64-row tile where there are rows for it, at most 16 outputs a thread
  let rm = 1;
  while (rm * rn < 16 && wy * rm < 64 && wy * rm * 2 <= Math.max(rows, wy)) rm *= 2;
  return { wx, rm, rn, tk: 16 };
}

/** What a kernel plugs into the skeleton. */
export interface GemmParts {
  /** Rows of the product (the largest over parts). */
  rows: number;
  /** Columns of the product. */
  cols: number;
  /** k steps of TK each that every workgroup runs (a constant: uniform control flow). */
  kSteps: number;
  /**
   * WGSL run once per thread before the k loop. It must set the private variables `kBegin`,
   * `kEnd` (this part's k range) and `rowEnd` (rows of this part), and may set its own
   * (declared in `declarations`). The private variable `part` (workgroup z) is set before it.
   */
  setup: string;
  /** WGSL module-scope declarations (constants, private variables, helper functions). */
  declarations: string;
  /** Body of `fn loadA(row: i32, k: i32) -> f32` (called only with row < rowEnd, kBegin ≤ k < kEnd). */
  loadA: string;
  /** Body of `fn loadB(k: i32, col: i32) -> f32` (called only with col < COLS, kBegin ≤ k < kEnd). */
  loadB: string;
  /** Body of `fn store(row: i32, col: i32, value: f32)` (called only with row < rowEnd, col < COLS). */
  store: string;
  /** Which index neighbouring threads read when staging A: `'row'` (A contiguous along rows) or `'k'`. */
  aContiguous: "row" | "k";
  /** Which index neighbouring threads read when staging B: `'col'` or `'k'`. */
  bContiguous: "col" | "k";
}

/** The WGSL of the skeleton with the kernel's parts plugged in (tfjs adds bindings and `_start`). */
export function gemmShader(tile: GemmTile, p: GemmParts): string {
  const { tm, tn, wy } = tileExtent(tile);
  const { wx, rm, rn, tk } = tile;
  // staging: element e of the TK × TM (TK × TN) slice; the contiguous index varies fastest over threads
  const stage = (tileLen: number, contiguousOuter: boolean, name: string, load: string): string => `
    for (var e = tid; e < ${tk * tileLen}; e = e + ${GEMM_THREADS}) {
      let kk = ${contiguousOuter ? `e / ${tileLen}` : `e % ${tk}`};
      let ii = ${contiguousOuter ? `e % ${tileLen}` : `e / ${tk}`};
      ${load}
      ${name}[kk * ${tileLen} + ii] = v;
    }`;
  return `
  const COLS : i32 = ${p.cols};
  var<private> kBegin : i32;
  var<private> kEnd : i32;
  var<private> rowEnd : i32;
  var<private> part : i32;
  var<workgroup> tileA : array<f32, ${tk * tm}>;
  var<workgroup> tileB : array<f32, ${tk * tn}>;
  ${p.declarations}

  fn loadA(row : i32, k : i32) -> f32 {
    ${p.loadA}
  }
  fn loadB(k : i32, col : i32) -> f32 {
    ${p.loadB}
  }
  fn store(row : i32, col : i32, value : f32) {
    ${p.store}
  }

  ${"fn main()"} {
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let tid = ty * ${wx} + tx;
    let col0 = i32(workgroupId.x) * ${tn};
    let row0 = i32(workgroupId.y) * ${tm};
    part = i32(workgroupId.z);
    // tfjs binds its uniform buffer to every program: the shader must use it (layout 'auto')
    _ = uniforms.NAN;
    ${p.setup}
    var acc : array<f32, ${rm * rn}>;
    for (var i = 0; i < ${rm * rn}; i = i + 1) {
      acc[i] = 0.0;
    }
    for (var step = 0; step < ${p.kSteps}; step = step + 1) {
      let k0 = kBegin + step * ${tk};
      ${stage(
        tm,
        p.aContiguous === "row",
        "tileA",
        `let row = row0 + ii;
      let k = k0 + kk;
      var v = 0.0;
      if (row < rowEnd && k < kEnd) {
        v = loadA(row, k);
      }`,
      )}
      ${stage(
        tn,
        p.bContiguous === "col",
        "tileB",
        `let col = col0 + ii;
      let k = k0 + kk;
      var v = 0.0;
      if (col < COLS && k < kEnd) {
        v = loadB(k, col);
      }`,
      )}
      workgroupBarrier();
      for (var kk = 0; kk < ${tk}; kk = kk + 1) {
        var a : array<f32, ${rm}>;
        var b : array<f32, ${rn}>;
        for (var i = 0; i < ${rm}; i = i + 1) {
          a[i] = tileA[kk * ${tm} + ty + i * ${wy}];
        }
        for (var j = 0; j < ${rn}; j = j + 1) {
          b[j] = tileB[kk * ${tn} + tx + j * ${wx}];
        }
        for (var i = 0; i < ${rm}; i = i + 1) {
          for (var j = 0; j < ${rn}; j = j + 1) {
            acc[i * ${rn} + j] = acc[i * ${rn} + j] + a[i] * b[j];
          }
        }
      }
      workgroupBarrier();
    }
    for (var i = 0; i < ${rm}; i = i + 1) {
      let row = row0 + ty + i * ${wy};
      if (row < rowEnd) {
        for (var j = 0; j < ${rn}; j = j + 1) {
          let col = col0 + tx + j * ${wx};
          if (col < COLS) {
            store(row, col, acc[i * ${rn} + j]);
          }
        }
      }
    }
  }
`;
}

/** Workgroup counts of a GEMM program: [column tiles, row tiles, parts]. */
export function gemmDispatch(tile: GemmTile, rows: number, cols: number, parts: number): [number, number, number] {
  const { tm, tn } = tileExtent(tile);
  return [Math.ceil(cols / tn), Math.ceil(rows / tm), parts];
}

/** The key that identifies a tile in a shader key. */
export function tileKey(t: GemmTile): string {
  return `${t.wx}x${t.rm}x${t.rn}x${t.tk}`;
}

/**
 * Sum of `parts` equal slices: out[i] = Σ_s partial[s·size + i] (the second pass of a split-K
 * product), one thread per output element, slices added in order.
 */
export function splitKReduceProgram(parts: number, size: number, outputShape: number[]): WebGpuProgram {
  const workgroup = 64;
  const groups = Math.ceil(size / workgroup);
  return {
    outputShape,
    shaderKey: `atlasSplitKReduce_${parts}_${size}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [groups, 1, 1],
    variableNames: ["partial"],
    workgroupSize: [workgroup, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(index : i32) {
    if (index < uniforms.size) {
      var sum = 0.0;
      for (var s = 0; s < ${parts}; s = s + 1) {
        sum = sum + partial[s * ${size} + index];
      }
      result[index] = sum;
    }
  }
`,
  };
}
