import { BoundHistogram, type HistogramCell } from './bound-series.ts';
import type { Surface } from './surfaces.ts';
import { TENANT_CLASSES } from './tenant-class.ts';
import type { RequestTracing } from './tracing.ts';

/** Seconds: from a cached discovery answer (~0.2 ms) to a slow sign-in page. */
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'other'] as const;

function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'POST':
      return 1;
    case 'PUT':
      return 2;
    case 'PATCH':
      return 3;
    case 'DELETE':
      return 4;
    case 'HEAD':
      return 5;
    case 'OPTIONS':
      return 6;
    default:
      return 7;
  }
}

/**
 * One route pattern's requests. Its cells are found by a small integer (status, method, tenant
 * class), so counting a request allocates nothing once its label set has been seen.
 */
export class RouteSeries {
  readonly #owner: HttpRequests;
  readonly #histogram: BoundHistogram;
  readonly #surface: Surface;
  readonly #route: string;
  readonly #cells = new Map<number, HistogramCell>();

  constructor(owner: HttpRequests, histogram: BoundHistogram, surface: Surface, route: string) {
    this.#owner = owner;
    this.#histogram = histogram;
    this.#surface = surface;
    this.#route = route;
  }

  observe(method: string | undefined, status: number, tenantClass: number, seconds: number): void {
    const m = methodIndex(method);
    // status < 1000, 8 methods, 4 classes: one integer key.
    const key = (status * 8 + m) * 4 + tenantClass;
    let cell = this.#cells.get(key);
    if (!cell) {
      cell = this.#histogram.cell({
        surface: this.#surface,
        route: this.#route,
        method: METHODS[m]!,
        status: String(status),
        tenant_class: TENANT_CLASSES[tenantClass] ?? 'none',
      });
      this.#cells.set(key, cell);
    }
    cell.observe(seconds);
    this.#owner.tracing?.request(this.#surface, this.#route, METHODS[m]!, status, seconds);
  }
}

/** `warden_http_request_duration_seconds`: its `_count` is the request counter. */
export class HttpRequests {
  readonly histogram = new BoundHistogram(
    'warden_http_request_duration_seconds',
    'HTTP requests by surface, route pattern, method, status and tenant class, and how long each took',
    HTTP_BUCKETS,
  );
  readonly #series = new Map<string, RouteSeries>();
  /** Traces (tracing.ts), when an OTLP endpoint is configured: a span per request counted here. */
  tracing: RequestTracing | undefined;

  /** The series of a route pattern (made once; route patterns are a bounded set). */
  series(surface: Surface, route: string): RouteSeries {
    let series = this.#series.get(route);
    if (!series) {
      series = new RouteSeries(this, this.histogram, surface, route);
      this.#series.set(route, series);
    }
    return series;
  }
}
