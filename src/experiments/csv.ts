// CSV writing for the experiment outputs (compare.csv): RFC 4180 quoting. Reading uses
// src/dataset/csv.ts.

/** One CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (no line end). */
export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}
