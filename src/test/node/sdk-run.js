#!/usr/bin/env node
'use strict';
/*
 * Sends messages through a real Node SDK (@segment/analytics-node 3.x or 2.x, or @rudderstack/rudder-sdk-node),
 * waits with the SDK's own flush/close API until it has reported on every message, and prints what it saw as one
 * JSON line on stdout, for the Java tests (io.eventpipeline.sdk.NodeSdk) to assert on.
 *
 * Input, one JSON object on stdin:
 *   sdk        "segment" (3.x) | "segment-v2" (2.x, which sends the write key in the body only) | "rudder"
 *   url        the service's base URL, e.g. "http://127.0.0.1:8080" (Segment: `host`; Rudder: `dataPlaneUrl`)
 *   writeKey   the write key (sent as the user of HTTP Basic auth; by Segment's 2.x in the body only)
 *   settings   the SDK's constructor options, as JSON (Segment: maxRetries, flushAt, httpRequestTimeout, ...;
 *              Rudder: retryCount, flushAt, timeout, gzip, axiosRetryConfig, ...)
 *   messages   [{type: "track"|"identify"|"page"|"screen"|"group"|"alias", ...the call's fields}]
 *   deadlineMs how long to wait for the SDK to report on every message (default 120000)
 *
 * Output, one JSON line on stdout:
 *   sdk, version  the package and its version
 *   messages      [{index, type, messageId, error}]: the id the SDK gave each message (null if no request carried
 *                 it) and the error the SDK reported for it (null: delivered; "pending": no report by the deadline)
 *   requests      every HTTP attempt, in order: {ms (since start, when it was sent), answeredMs (when its answer or
 *                 its network error came), messageIds, status (or null), retryAfter, error (a network error),
 *                 headers (the request's, Authorization included)}
 *   reported      what the SDK reported through its error channel (Segment: 'error' events; Rudder: errorHandler)
 *   elapsedMs     from the first call to the last report
 * Progress lines go to stderr ("sdk-run: ..."). Exit status: 0 when the SDK reported on every message (delivered
 * or not), 2 when the deadline passed first, 1 on bad input or a crash.
 *
 * To tell which messageId the SDK gave which message, the driver adds `context.driverSeq` (the message's index)
 * to each message; every other field is passed to the SDK as given.
 */
const zlib = require('zlib');

const { ms, logger, readStdin } = require('./driver-io');

const log = logger('sdk-run');

const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

/** The record of a run: one entry per message, one per HTTP attempt, and the SDK's own error reports. */
class Recorder {
  constructor(count) {
    this.messages = [];
    this.requests = [];
    this.reported = [];
    this.settled = 0;
    this.onAllSettled = null;
    this.count = count;
  }

  addMessage(index, type) {
    this.messages[index] = { index, type, messageId: null, error: 'pending' };
  }

  /** A request body as sent: notes the messageId of each message it carries; returns the ids. */
  request(bodyText, headers) {
    const body = JSON.parse(bodyText);
    const ids = [];
    for (const m of body.batch || []) {
      const seq = m.context && m.context.driverSeq;
      if (Number.isInteger(seq) && this.messages[seq]) {
        this.messages[seq].messageId = m.messageId;
      }
      ids.push(m.messageId);
    }
    const entry = { ms: ms(), answeredMs: null, messageIds: ids, status: null, retryAfter: null, error: null,
      headers };
    this.requests.push(entry);
    return entry;
  }

  settle(index, error) {
    if (this.messages[index].error !== 'pending') {
      this.reported.push(`message ${index} reported twice: ${describe(error)}`);
      return;
    }
    this.messages[index].error = error ? describe(error) : null;
    this.settled++;
    if (this.settled === this.count && this.onAllSettled) {
      this.onAllSettled();
    }
  }

  allSettled() {
    return new Promise((resolve) => {
      if (this.settled === this.count) {
        resolve();
      } else {
        this.onAllSettled = resolve;
      }
    });
  }
}

function describe(error) {
  if (error == null) {
    return null;
  }
  if (error instanceof Error) {
    return error.message || error.code || String(error);
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

function tagged(message, index) {
  const { type, ...fields } = message;
  if (!TYPES.includes(type)) {
    throw new Error(`message ${index}: type must be one of ${TYPES.join(', ')}, not ${JSON.stringify(type)}`);
  }
  return { type, fields: { ...fields, context: { ...(fields.context || {}), driverSeq: index } } };
}

/** Segment's SDK: 3.x (`@segment/analytics-node`) or 2.x (`@segment/analytics-node-v2`, an npm alias). */
async function runSegment(input, recorder, pkg) {
  const { Analytics } = require(pkg);
  const { name, version } = require(`${pkg}/package.json`);
  // Batches may be in flight side by side: an answer is matched to its request by the body it carries.
  const inFlight = new Map();
  const take = (body) => {
    const entry = inFlight.get(body);
    inFlight.delete(body);
    return entry;
  };
  // The SDK's own client (fetch, with the SDK's timeout as an abort signal), wrapped to record each answer, and
  // each attempt that got none: the SDK reports neither to the application.
  const httpClient = (url, init) => globalThis.fetch(url, init).then((response) => {
    const entry = take(init.body);
    if (entry) {
      entry.answeredMs = ms();
      entry.status = response.status;
      entry.retryAfter = response.headers.get('retry-after');
      log(`answer ${response.status} to a batch of ${entry.messageIds.length}`);
    }
    return response;
  }, (error) => {
    const entry = take(init.body);
    if (entry) {
      entry.answeredMs = ms();
      entry.error = `${error.name}: ${error.message}`;
    }
    log(`no answer (${error.name}: ${error.message}) to a batch of ${entry ? entry.messageIds.length : '?'}`);
    throw error;
  });
  const analytics = new Analytics({ httpClient, ...input.settings, writeKey: input.writeKey, host: input.url });
  analytics.on('http_request', (r) => {
    const entry = recorder.request(r.body, r.headers);
    inFlight.set(r.body, entry);
    log(`sending a batch of ${entry.messageIds.length}`);
  });
  analytics.on('error', (e) => recorder.reported.push(`${e.code}: ${describe(e.reason)}`));
  input.messages.forEach((message, index) => {
    const { type, fields } = tagged(message, index);
    recorder.addMessage(index, type);
    analytics[type](fields, (err) => recorder.settle(index, err));
  });
  await analytics.closeAndFlush({ timeout: input.deadlineMs });
  for (const entry of inFlight.values()) {
    entry.error = 'no answer by the end of the run';
  }
  return { sdk: name, version };
}

async function runRudder(input, recorder) {
  const Analytics = require('@rudderstack/rudder-sdk-node');
  const version = require('@rudderstack/rudder-sdk-node/package.json').version;
  const axios = require('axios');
  // The SDK takes an axios instance and adds its retries to it (axios-retry): interceptors registered before it
  // see every attempt, retries included. Made from the axiosConfig setting, as the SDK makes its own.
  const axiosInstance = axios.create(input.settings.axiosConfig);
  axiosInstance.interceptors.request.use((config) => {
    const gzipped = String(config.headers.get('content-encoding') || '') === 'gzip';
    const raw = Buffer.isBuffer(config.data) ? config.data : Buffer.from(String(config.data));
    const text = gzipped ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const headers = { ...config.headers.toJSON() };
    if (config.auth) {
      const credentials = `${config.auth.username}:${config.auth.password || ''}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    config.driverEntry = recorder.request(text, headers);
    log(`sending a batch of ${config.driverEntry.messageIds.length}`);
    return config;
  });
  // The headers as they went on the wire (axios adds Content-Type after the request interceptors run).
  const wireHeaders = (entry, request) => {
    if (entry && request && typeof request.getHeaders === 'function') {
      entry.headers = { ...request.getHeaders() };
    }
  };
  axiosInstance.interceptors.response.use(
    (response) => {
      const entry = response.config.driverEntry;
      wireHeaders(entry, response.request);
      entry.answeredMs = ms();
      entry.status = response.status;
      log(`answer ${response.status} to a batch of ${entry.messageIds.length}`);
      return response;
    },
    (error) => {
      const entry = error.config && error.config.driverEntry;
      wireHeaders(entry, error.request);
      if (entry) {
        entry.answeredMs = ms();
        entry.status = error.response ? error.response.status : null;
        entry.retryAfter = (error.response && error.response.headers['retry-after']) || null;
        entry.error = error.response ? null : `${error.code}: ${error.message}`;
        log(error.response ? `answer ${entry.status} to a batch of ${entry.messageIds.length}`
          : `no answer (${entry.error}) to a batch of ${entry.messageIds.length}`);
      }
      return Promise.reject(error);
    },
  );
  const client = new Analytics(input.writeKey, {
    ...input.settings,
    dataPlaneUrl: input.url,
    axiosInstance,
    // Without an errorHandler a batch that fails for good rejects a flush() nobody awaits (the SDK calls flush
    // from enqueue and from its timer), which ends a Node process with an unhandled rejection.
    errorHandler: (err) => recorder.reported.push(`errorHandler: ${describe(err)}`),
  });
  input.messages.forEach((message, index) => {
    const { type, fields } = tagged(message, index);
    recorder.addMessage(index, type);
    client[type](fields, (err) => recorder.settle(index, err));
  });
  // flush() sends at most flushAt messages and waits for the batch before it; repeat until the queue is empty,
  // then once more, which waits for the last batch in flight.
  while (client.queue.length > 0) {
    await client.flush();
  }
  await client.flush();
  return { sdk: '@rudderstack/rudder-sdk-node', version };
}

async function main() {
  const input = await readStdin();
  for (const key of ['sdk', 'url', 'writeKey', 'messages']) {
    if (input[key] == null) {
      throw new Error(`input lacks "${key}"`);
    }
  }
  input.settings = input.settings || {};
  input.deadlineMs = input.deadlineMs || 120000;
  const recorder = new Recorder(input.messages.length);
  const run = {
    segment: (i, r) => runSegment(i, r, '@segment/analytics-node'),
    'segment-v2': (i, r) => runSegment(i, r, '@segment/analytics-node-v2'),
    rudder: runRudder,
  }[input.sdk];
  if (!run) {
    throw new Error(`sdk must be "segment", "segment-v2" or "rudder", not ${JSON.stringify(input.sdk)}`);
  }
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('deadline'), input.deadlineMs);
  });
  const done = run(input, recorder).then(async (identity) => {
    await recorder.allSettled();
    return identity;
  });
  const outcome = await Promise.race([done, deadline]);
  clearTimeout(timer);
  const identity = outcome === 'deadline' ? { sdk: input.sdk, version: null } : outcome;
  const report = { ...identity, messages: recorder.messages, requests: recorder.requests,
    reported: recorder.reported, elapsedMs: ms() };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(outcome === 'deadline' ? 2 : 0));
}

main().catch((e) => {
  process.stderr.write(`sdk-run: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
