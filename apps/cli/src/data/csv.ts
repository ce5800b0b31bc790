import { CorruptFileError } from "@atlas/core";

/** Rows of numbers read from a CSV file. */
export interface CsvMatrix {
  readonly n: number;
  readonly dim: number;
  readonly data: Float64Array;
  /** Column names when the first line is a header (any field that is not a number). */
  readonly header?: string[];
}

/**
 * Parse a CSV of vectors: one row per line, fields separated by commas (or semicolons, tabs or
 * spaces), an optional header line, blank lines and `#` comments ignored. Every row must have the
 * same number of finite numeric fields; otherwise a {@link CorruptFileError} names the line.
 */
export function parseCsv(text: string, path: string): CsvMatrix {
  const lines = text.split(/\r?\n/);
  const values: number[] = [];
  let dim = -1;
  let header: string[] | undefined;
  let rows = 0;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s*[,;\t]\s*|\s+/);
    const nums = fields.map((f) => (f === "" ? NaN : Number(f)));
    if (rows === 0 && header === undefined && nums.some((v, i) => Number.isNaN(v) && !/^[+-]?(nan|inf(inity)?)$/i.test(fields[i]!))) {
      header = fields;
      dim = fields.length;
      continue;
    }
    if (dim < 0) dim = fields.length;
    if (fields.length !== dim) throw new CorruptFileError(path, `line ${li + 1} has ${fields.length} fields, expected ${dim} like the ${header ? "header" : "first row"}`);
    for (let j = 0; j < nums.length; j++) {
      const v = nums[j]!;
      if (!Number.isFinite(v)) throw new CorruptFileError(path, `line ${li + 1}, field ${j + 1}: expected a finite number, got ${JSON.stringify(fields[j])}`);
      values.push(v);
    }
    rows++;
  }
  if (rows === 0) throw new CorruptFileError(path, "holds no rows of numbers");
  return { n: rows, dim, data: Float64Array.from(values), ...(header ? { header } : {}) };
}

/** Format rows as CSV (one row per line, up to 9 significant digits). */
export function formatCsv(data: ArrayLike<number>, n: number, dim: number, header?: readonly string[]): string {
  const out: string[] = header ? [header.join(",")] : [];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < dim; j++) row.push(String(Number((data[i * dim + j] as number).toPrecision(9))));
    out.push(row.join(","));
  }
  return out.join("\n") + "\n";
}
