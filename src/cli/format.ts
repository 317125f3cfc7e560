// Number formatting and plain-text tables for the CLI's output.

/** An integer with thousands separators: 40000 -> "40,000". */
export function int(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** A metric: fixed-point below 10,000, a separated integer above (regression errors in squared units), "-" when absent. */
export function fixed(v: number | undefined, digits = 4): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  return Math.abs(v) < 1e4 ? v.toFixed(digits) : int(v);
}

/** A share as a percentage: 0.9755 -> "97.55%". */
export function percent(v: number): string {
  return `${(v * 100).toFixed(2)}%`;
}

/** A duration: milliseconds below a second, seconds with one decimal below a minute, else minutes and seconds. */
export function seconds(ms: number): string {
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Columns padded to their widest cell: the first column left-aligned, the rest right-aligned (numbers). */
export function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** "label   value" lines with the labels padded to one width. */
export function pairs(entries: [string, string][]): string[] {
  const w = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}
