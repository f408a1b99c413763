import type { Surface } from './surfaces.ts';

/**
 * Issue 16 item 2: OpenTelemetry traces, only when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT (the standard variables) names a collector. One SERVER span per
 * HTTP request — its surface, route pattern, method and status, as the metrics count it — sent
 * in batches with the OTLP/HTTP exporter. The SDK is imported only then: a Warden without an
 * endpoint loads none of it and pays nothing per request.
 */
export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP: `{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`). */
  url: string;
  serviceName: string;
}

/** The OTLP specification's rule: the signal-specific variable as given, else the base + `/v1/traces`. */
export function tracingConfigOf(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (env.OTEL_TRACES_EXPORTER === 'none' || (!specific && !base)) return undefined;
  const url = specific ?? `${base!.replace(/\/+$/, '')}/v1/traces`;
  return { url, serviceName: env.OTEL_SERVICE_NAME || 'warden' };
}

export interface RequestTracing {
  /** One finished request: its span, from `startedAt` (performance.now()) until now. */
  request(surface: Surface, route: string, method: string, status: number, seconds: number): void;
  /** Sends the spans still buffered (graceful shutdown). */
  shutdown(): Promise<void>;
}

export async function startTracing(config: TracingConfig): Promise<RequestTracing> {
  const [api, sdk, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.url }) })],
  });
  const tracer = provider.getTracer('warden');
  return {
    request(surface, route, method, status, seconds) {
      const end = performance.timeOrigin + performance.now();
      // OpenTelemetry's HTTP semantic conventions: the span is named by method and route template.
      const span = tracer.startSpan(`${method} ${route}`, {
        kind: api.SpanKind.SERVER,
        startTime: end - seconds * 1000,
        attributes: {
          'http.request.method': method,
          'http.route': route,
          'http.response.status_code': status,
          'warden.surface': surface,
        },
      });
      if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end(end);
    },
    shutdown: () => provider.shutdown(),
  };
}
