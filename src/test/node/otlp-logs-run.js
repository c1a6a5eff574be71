#!/usr/bin/env node
'use strict';
/*
 * Emits log records through the real OpenTelemetry JS SDK (@opentelemetry/sdk-logs: a LoggerProvider with a
 * BatchLogRecordProcessor and an OTLPLogExporter of @opentelemetry/exporter-logs-otlp-http, which sends OTLP/JSON),
 * flushes and shuts it down, and prints what happened as one JSON line on stdout, for the Java tests
 * (io.eventpipeline.sdk.OtlpNodeExporter) to assert on.
 *
 * The exporter is pointed at a recording proxy on a loopback port of this process, which forwards each request to
 * the service unchanged and records it and its answer: the exporter tells its application neither the statuses nor
 * the Retry-After it was answered, nor the body of a 200 (where a partial success is).
 *
 * Input, one JSON object on stdin:
 *   url        the service's base URL, e.g. "http://127.0.0.1:8080"; the exporter posts to url + "/v1/logs"
 *   key        the write key, sent as "Authorization: Bearer <key>" (the exporter's `headers` option)
 *   resource   {attributes: {...}, schemaUrl}: the LoggerProvider's resource, exactly these attributes (the SDK's
 *              default resource, with telemetry.sdk.* and service.name "unknown_service:node", is not merged in)
 *   limits     the LoggerProvider's logRecordLimits: {attributeCountLimit, attributeValueLengthLimit}
 *   exporter   OTLPLogExporter options: {timeoutMillis, compression: "gzip"|"none", concurrencyLimit, ...}
 *   processor  BatchLogRecordProcessor options: {maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis,
 *              maxQueueSize}
 *   scope      the default instrumentation scope of the records: {name, version, schemaUrl, attributes}
 *   records    [{scope (optional, as above: the record's logger), timestamp, observedTimestamp, severityNumber,
 *              severityText, body, attributes, eventName, trace: {traceId, spanId, traceFlags}}], emitted in order
 *              with logger.emit (a trace becomes the record's `context`, trace.setSpanContext(context.active(), ..));
 *              a field left out is not given to the SDK. Timestamps: [seconds, nanoseconds] (an HrTime) or
 *              milliseconds. Values (body, attributes): JSON as it is (an integral number is sent as an intValue,
 *              any other number as a doubleValue), and {"$bytes": "<base64>"} for a Uint8Array (bytesValue).
 *   deadlineMs how long the run may take, emit to shutdown (default 120000)
 *
 * Output, one JSON line on stdout:
 *   sdk, version   "@opentelemetry/exporter-logs-otlp-http" and its version; sdkLogsVersion: @opentelemetry/sdk-logs'
 *   records        [{index, exported, error}]: exported true when the export of the batch that carried the record
 *                  succeeded, false when it failed (error: the exporter's error), null when no export carried it
 *   exports        every call of the exporter's export(), in order: {ms, answeredMs, records (indices), result
 *                  ("SUCCESS" | "FAILED"), error}
 *   requests       every HTTP attempt, in order: {ms (since start, when it came to the proxy), answeredMs, status (or
 *                  null), retryAfter, error (the service could not be reached), headers (the request's, Authorization
 *                  included), body (the request body as JSON, gunzipped), response (the answer's body: JSON if it
 *                  parses, else its text)}
 *   diag           what the SDK logged through the OpenTelemetry diag logger at INFO and above: [{level, message}]
 *                  (partial successes, retries given up, export errors the processor swallowed)
 *   elapsedMs      from the first emit to the end of shutdown
 * Progress lines go to stderr ("otlp-logs-run: ..."). Exit status: 0 when the SDK was flushed and shut down (every
 * record exported or not), 2 when the deadline passed first, 1 on bad input or a crash.
 *
 * The OTEL_* environment variables are removed first: the input is the whole configuration.
 */
const http = require('http');
const zlib = require('zlib');

for (const name of Object.keys(process.env)) {
  if (name.startsWith('OTEL_')) {
    delete process.env[name];
  }
}

const { ms, logger, readStdin } = require('./driver-io');

const log = logger('otlp-logs-run');

function describe(error) {
  if (error == null) {
    return null;
  }
  if (error instanceof Error) {
    const code = error.code != null ? ` (code ${error.code})` : '';
    const data = error.data ? `: ${error.data}` : '';
    return `${error.name}: ${error.message}${code}${data}`;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** A value of the input as the SDK takes it: {"$bytes": base64} becomes a Uint8Array, the rest as it is. */
function value(v) {
  if (Array.isArray(v)) {
    return v.map(value);
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bytes') {
      return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
    }
    return Object.fromEntries(keys.map((k) => [k, value(v[k])]));
  }
  return v;
}

/**
 * The recording proxy: takes the exporter's requests on a loopback port, forwards each to `target` as it came,
 * and records it with the service's answer, which it passes back unchanged.
 */
function startProxy(target) {
  const requests = [];
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const entry = { ms: ms(), answeredMs: null, status: null, retryAfter: null, error: null,
        headers: { ...req.headers }, body: null, response: null };
      try {
        const text = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
        entry.body = JSON.parse(text.toString('utf8'));
      } catch (e) {
        entry.body = `not JSON: ${e.message}`;
      }
      requests.push(entry);
      const count = Array.isArray(entry.body && entry.body.resourceLogs)
        ? entry.body.resourceLogs.flatMap((r) => r.scopeLogs || []).flatMap((s) => s.logRecords || []).length : '?';
      log(`sending ${count} records`);
      const headers = { ...req.headers, host: upstream.host };
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
        headers, agent }, (answer) => {
        const body = [];
        answer.on('data', (c) => body.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(body).toString('utf8');
          entry.answeredMs = ms();
          entry.status = answer.statusCode;
          entry.retryAfter = answer.headers['retry-after'] || null;
          try {
            entry.response = text.length === 0 ? null : JSON.parse(text);
          } catch (e) {
            entry.response = text;
          }
          log(`answer ${answer.statusCode}${entry.retryAfter ? ` (Retry-After ${entry.retryAfter})` : ''} to `
            + `${count} records`);
          res.writeHead(answer.statusCode, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      out.on('error', (e) => {
        entry.answeredMs = ms();
        entry.error = describe(e);
        log(`no answer (${entry.error}) to ${count} records`);
        res.destroy(); // the exporter sees the connection fail, as it would without the proxy
      });
      out.end(raw);
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      requests,
      close: () => new Promise((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
    }));
  });
}

async function main() {
  const input = await readStdin();
  for (const key of ['url', 'key', 'records']) {
    if (input[key] == null) {
      throw new Error(`input lacks "${key}"`);
    }
  }
  const deadlineMs = input.deadlineMs || 120000;

  const api = require('@opentelemetry/api');
  const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const version = require('@opentelemetry/exporter-logs-otlp-http/package.json').version;
  const sdkLogsVersion = require('@opentelemetry/sdk-logs/package.json').version;

  const diag = [];
  const note = (level) => (message, ...args) => {
    const text = [message, ...args.map((a) => (typeof a === 'string' ? a : describe(a)))].join(' ');
    diag.push({ level, message: text });
    log(`diag ${level}: ${text}`);
  };
  api.diag.setLogger({ error: note('error'), warn: note('warn'), info: note('info'), debug: () => {},
    verbose: () => {} }, { logLevel: api.DiagLogLevel.INFO, suppressOverrideMessage: true });

  const proxy = await startProxy(input.url);
  const exporter = new OTLPLogExporter({ ...(input.exporter || {}), url: `${proxy.url}/v1/logs`,
    headers: { Authorization: `Bearer ${input.key}` } });

  // Which record is which: the processor below sees each record before the batch processor, as the same object
  // the exporter is later given; the export wrapper reports each call and its result per record.
  const indexOf = new WeakMap();
  const records = input.records.map((r, index) => ({ index, exported: null, error: null }));
  const exports = [];
  const originalExport = exporter.export.bind(exporter);
  exporter.export = (logRecords, done) => {
    const entry = { ms: ms(), answeredMs: null, records: logRecords.map((r) => indexOf.get(r)), result: null,
      error: null };
    exports.push(entry);
    originalExport(logRecords, (result) => {
      entry.answeredMs = ms();
      entry.result = result.code === 0 ? 'SUCCESS' : 'FAILED';
      entry.error = describe(result.error);
      for (const i of entry.records) {
        if (i != null) {
          records[i].exported = result.code === 0;
          records[i].error = entry.error;
        }
      }
      log(`export of ${logRecords.length} records: ${entry.result}${entry.error ? ` (${entry.error})` : ''}`);
      done(result);
    });
  };
  let emitting = -1;
  const tagger = {
    onEmit: (logRecord) => indexOf.set(logRecord, emitting),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(value((input.resource && input.resource.attributes) || {}),
      input.resource && input.resource.schemaUrl ? { schemaUrl: input.resource.schemaUrl } : undefined),
    logRecordLimits: input.limits,
    processors: [tagger, new BatchLogRecordProcessor({ ...(input.processor || {}), exporter })],
  });

  const loggerOf = (scope) => {
    const s = scope || input.scope || { name: 'otlp-logs-run' };
    const options = {};
    if (s.schemaUrl != null) {
      options.schemaUrl = s.schemaUrl;
    }
    if (s.attributes != null) {
      options.attributes = value(s.attributes);
    }
    return provider.getLogger(s.name, s.version, options);
  };

  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const run = (async () => {
    input.records.forEach((r, index) => {
      const record = {};
      for (const field of ['timestamp', 'observedTimestamp', 'severityNumber', 'severityText', 'eventName']) {
        if (r[field] !== undefined) {
          record[field] = r[field];
        }
      }
      if (r.body !== undefined) {
        record.body = value(r.body);
      }
      if (r.attributes !== undefined) {
        record.attributes = value(r.attributes);
      }
      if (r.trace) {
        record.context = api.trace.setSpanContext(api.context.active(), { traceId: r.trace.traceId,
          spanId: r.trace.spanId, traceFlags: r.trace.traceFlags ?? 0, isRemote: true });
      }
      emitting = index;
      loggerOf(r.scope).emit(record);
    });
    log(`emitted ${input.records.length} records`);
    await provider.forceFlush();
    await provider.shutdown();
    return 'done';
  })();
  const outcome = await Promise.race([run, deadline]);
  clearTimeout(timer);
  await proxy.close();
  const report = { sdk: '@opentelemetry/exporter-logs-otlp-http', version, sdkLogsVersion, records, exports,
    requests: proxy.requests, diag, elapsedMs: ms() };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(outcome === 'deadline' ? 2 : 0));
}

main().catch((e) => {
  process.stderr.write(`otlp-logs-run: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
