/** Metrics computed from counts over a whole epoch or dataset (Keras streaming metrics). */
export type TallyMetric = 'precision' | 'recall' | 'auc' | 'topKCategoricalAccuracy';

/** The k of topKCategoricalAccuracy (Keras's default). */
export const TOP_K = 5;

/**
 * Running counts for precision, recall, AUC and top-k accuracy of one
 * output, as Keras accumulates them over an epoch (not a mean of per-batch
 * values): true and false positives and false negatives of the predictions
 * thresholded at 0.5 (0 for logits), every score with its 0/1 truth for the
 * ROC AUC, and top-k hits.
 */
export class MetricTally {
  tp = 0;
  fp = 0;
  fn = 0;
  hits = 0;
  rows = 0;
  private scores: number[] = [];
  private truths: number[] = [];

  constructor(readonly names: readonly TallyMetric[], readonly threshold: number) {}

  /** True when AUC is among the metrics (the scores must be kept). */
  get keepsScores(): boolean {
    return this.names.includes('auc');
  }

  /** Adds one entry: its score and whether its target is positive. */
  entry(score: number, positive: boolean): void {
    const predicted = score > this.threshold;
    if (predicted && positive) this.tp++;
    else if (predicted) this.fp++;
    else if (positive) this.fn++;
    if (this.keepsScores) {
      this.scores.push(score);
      this.truths.push(positive ? 1 : 0);
    }
  }

  /** Adds one row of class scores with its true class, for top-k accuracy. */
  row(scores: ArrayLike<number>, offset: number, units: number, label: number): void {
    const v = scores[offset + label];
    let above = 0;
    for (let j = 0; j < units; j++) if (scores[offset + j] > v) above++;
    if (above < TOP_K) this.hits++;
    this.rows++;
  }

  /** The metrics' values from the counts so far (AUC, which sorts every score kept, only when asked). */
  values(withAuc = true): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.names) {
      if (m === 'auc' && !withAuc) continue;
      if (m === 'precision') out.precision = this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : 0;
      else if (m === 'recall') out.recall = this.tp + this.fn > 0 ? this.tp / (this.tp + this.fn) : 0;
      else if (m === 'auc') out.auc = rocAuc(this.scores, this.truths);
      else out.topKCategoricalAccuracy = this.rows > 0 ? this.hits / this.rows : 0;
    }
    return out;
  }
}

/**
 * The exact area under the ROC curve: the probability that a positive
 * scores above a negative, ties counting one half (Hanley & McNeil, 1982),
 * from average ranks. 0 when either class is absent (as Keras reports it).
 */
export function rocAuc(scores: readonly number[], truths: readonly number[]): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (truths[idx[t]]) {
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return 0;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
