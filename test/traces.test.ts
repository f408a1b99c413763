import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { tracingConfigOf } from '../src/metrics/tracing.ts';
import { startWarden } from './support/harness.ts';
import { freePort } from './support/server-process.ts';

/*
 * Issue 16 item 2: with OTEL_EXPORTER_OTLP_ENDPOINT set, each HTTP request is a span sent over
 * OTLP/HTTP — here to a collector of the test's own (a plain HTTP server reading OTLP's JSON).
 */

interface OtlpSpan {
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

function collector(): Promise<{ server: Server; port: number; spans: OtlpSpan[]; paths: string[] }> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const json = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const r of json.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return freePort().then(
    (port) =>
      new Promise((resolve) =>
        server.listen(port, '127.0.0.1', () => resolve({ server, port, spans, paths })),
      ),
  );
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

describe('Operations: traces (issue 16 item 2)', () => {
  it('Operations: with an OTLP endpoint each request is a span with its surface, route pattern and status', async () => {
    const otlp = await collector();
    const w = await startWarden({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.port}` } });
    try {
      assert.equal(w.ctx.metrics, undefined, 'traces need no metrics');
      assert.equal((await fetch(`${w.baseUrl}/v1/customers`)).status, 401);
      const contoso = w.demo.tenants.contoso!.id;
      const discovery = await fetch(`${w.baseUrl}/${contoso}/v2.0/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
    } finally {
      await w.stop(); // graceful shutdown sends the spans still buffered
      otlp.server.close();
    }
    assert.deepEqual([...new Set(otlp.paths)], ['/v1/traces']);
    const api = otlp.spans.find((s) => s.name === 'GET /v1/customers');
    assert.ok(api, `a span of the Partner API request among ${otlp.spans.map((s) => s.name).join(', ')}`);
    assert.equal(api.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(attribute(api, 'http.route'), '/v1/customers');
    assert.equal(attribute(api, 'http.response.status_code'), 401);
    assert.equal(attribute(api, 'warden.surface'), 'partner-api');
    const authority = otlp.spans.find(
      (s) => s.name === 'GET /{tenant}/v2.0/.well-known/openid-configuration',
    );
    assert.ok(authority, 'the authority request is a span, under its pattern, not its tenant');
    assert.equal(attribute(authority, 'warden.surface'), 'authority');
    assert.ok(!JSON.stringify(otlp.spans).includes(w.demo.tenants.contoso!.id), 'no tenant id in any span');
  });

  it('Operations: traces are off unless an endpoint is configured (OTLP rules for the URL)', () => {
    assert.equal(tracingConfigOf({}), undefined);
    assert.equal(
      tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
      undefined,
    );
    assert.deepEqual(tracingConfigOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }), {
      url: 'http://c:4318/v1/traces',
      serviceName: 'warden',
    });
    assert.equal(
      tracingConfigOf({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x',
      })?.url,
      'http://c:4318/custom',
    );
  });
});
