/**
 * Prometheus series whose label sets are bound once and recorded without allocating: the
 * hot paths (every HTTP request, every database query; issue 16 item 2 "recording must be cheap")
 * hold a cell and add to its numbers. prom-client's own Histogram hashes its labels
 * into a string and builds a closure on every observation; these are read by prom-client's
 * registry, which formats them like its own (`get()` has the shape of prom-client's MetricObject).
 */
export class HistogramCell {
  readonly labels: Readonly<Record<string, string>>;
  /** counts[i]: observations ≤ bounds[i] and > bounds[i-1]; the last one is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: Record<string, string>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i += 1;
    this.counts[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class BoundHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #cells: HistogramCell[] = [];

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
  }

  /** A new label set; the caller keeps it (a cell is never made twice for the same labels). */
  cell(labels: Record<string, string>): HistogramCell {
    const cell = new HistogramCell(labels, this.#bounds);
    this.#cells.push(cell);
    return cell;
  }

  /** prom-client's MetricObject: cumulative `_bucket`s with `le`, `_sum`, `_count` per label set. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValue[] } {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const cell of this.#cells) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i += 1) {
        cumulative += cell.counts[i]!;
        const le = i < this.#bounds.length ? this.#bounds[i]! : '+Inf';
        values.push({ labels: { ...cell.labels, le }, value: cumulative, metricName: bucket });
      }
      values.push({ labels: cell.labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: cell.labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  /** prom-client's Registry.resetMetrics calls it. */
  reset(): void {
    for (const cell of this.#cells) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}

/** A counter cell: one label set of a BoundCounter, incremented without allocating. */
export class CounterCell {
  readonly labels: Readonly<Record<string, string>>;
  value = 0;
  constructor(labels: Record<string, string>) {
    this.labels = labels;
  }
  inc(): void {
    this.value += 1;
  }
}

/** A Prometheus counter of bound label sets, for a per-request count (prom-client's hashes its labels each time). */
export class BoundCounter {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #cells: CounterCell[] = [];

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  cell(labels: Record<string, string>): CounterCell {
    const cell = new CounterCell(labels);
    this.#cells.push(cell);
    return cell;
  }

  get(): {
    name: string;
    help: string;
    type: 'counter';
    aggregator: 'sum';
    values: { labels: Record<string, string>; value: number }[];
  } {
    return {
      name: this.name,
      help: this.help,
      type: 'counter',
      aggregator: 'sum',
      values: this.#cells.map((cell) => ({ labels: { ...cell.labels }, value: cell.value })),
    };
  }

  reset(): void {
    for (const cell of this.#cells) cell.value = 0;
  }
}
