#!/usr/bin/env node
'use strict';
/*
 * Drives a real browser (Debian's chromium, headless, through playwright-core; no browser is downloaded) through
 * test pages that load the real @segment/analytics-next bundle, and prints what happened as one JSON line on stdout,
 * for the Java tests (io.eventpipeline.sdk.BrowserSdk) to assert on.
 *
 * Input, one JSON object on the first line of stdin:
 *   executablePath  the browser (default /usr/bin/chromium)
 *   pages           [{url, config, calls, fetches, leave}], run in order in one fresh profile:
 *     url           the test page (browser-page.html, served by the test from an origin other than the service's)
 *     config        window.__pageConfig, set before the page's own scripts run (see browser-page.html):
 *                   {analytics: {writeKey, apiHost, protocol, options} | null, beaconsOnPagehide: [{url, body}]}
 *     calls         [{method: "track"|"identify"|"page"|"group"|"alias"|"screen", args: [...]}]: each awaited in
 *                   turn in the page, as `await analytics[method](...args)`
 *     fetches       [{url, body, headers}]: then each a plain `fetch(url, {method: 'POST', body, headers})` from
 *                   the page, awaited (no headers: the body is a string, so text/plain;charset=UTF-8)
 *     leave         true: then navigate the tab to about:blank, so that the page is hidden for good (pagehide)
 *   hold            true: after the last page, keep the browser open until stdin ends (the test closes it once it
 *                   has seen what the page sent on its way out: a keepalive fetch or a beacon still in flight when
 *                   the browser closes may be dropped); false or absent: close at once
 *   deadlineMs      how long the whole run may take, hold included (default 60000)
 *
 * Output, one JSON line on stdout:
 *   browser, playwright, analyticsNext   versions
 *   pages      [{url, origin, calls: [{method, messageId, anonymousId, userId, failedDelivery, errors}],
 *              fetches: [{url, status, error}], left}]: the ids each call's context carries (the event as sent),
 *              the failed delivery it reports (null: none) and the errors in its log (analytics-next logs there a
 *              delivery it will retry, and reports it nowhere else); each fetch's status or the error it rejected
 *              with
 *   console    [{page, type, text}]: the browser console of every page (Chromium's CORS refusals are here)
 *   pageErrors [{page, error}]: uncaught exceptions in a page
 *   requests   [{ms, method, url, resourceType, headers, body, status, failure}]: every request the pages
 *              made as Playwright saw it (a CORS preflight is not shown; a request sent as the page goes away may
 *              lack its outcome)
 *   elapsedMs  from the launch to the report
 * Progress lines go to stderr ("browser-run: ..."). Exit status: 0 when every page ran, 2 when the deadline passed
 * first, 1 on bad input or a crash (a page step that throws ends the run: its error is in the report as "error").
 */
const { ms, logger } = require('./driver-io');

const log = logger('browser-run');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const METHODS = ['track', 'identify', 'page', 'group', 'alias', 'screen'];

/**
 * Reads the input: the first line of stdin; `released` resolves when stdin ends (at once if it ended with the
 * input).
 */
function readInput() {
  let text = '';
  let inputResolve;
  let inputReject;
  let releasedResolve;
  const input = new Promise((resolve, reject) => {
    inputResolve = resolve;
    inputReject = reject;
  });
  const released = new Promise((resolve) => {
    releasedResolve = resolve;
  });
  let parsed = false;
  const parse = (line) => {
    parsed = true;
    try {
      inputResolve(JSON.parse(line));
    } catch (e) {
      inputReject(new Error(`the first line of stdin is not one JSON object: ${e.message}`));
    }
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    if (parsed) {
      return;
    }
    text += chunk;
    const newline = text.indexOf('\n');
    if (newline >= 0) {
      parse(text.slice(0, newline));
    }
  });
  process.stdin.on('end', () => {
    if (!parsed) {
      parse(text);
    }
    releasedResolve();
  });
  process.stdin.on('error', inputReject);
  return { input, released };
}

/** Runs one call of analytics-next in the page and returns what its context says. */
async function call(page, c) {
  if (!METHODS.includes(c.method)) {
    throw new Error(`call method must be one of ${METHODS.join(', ')}, not ${JSON.stringify(c.method)}`);
  }
  return page.evaluate(async ({ method, args }) => {
    const describe = (e) => (e == null ? null : (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
    const ctx = await window.analytics[method](...args);
    const failed = ctx.failedDelivery();
    return {
      method,
      messageId: ctx.event.messageId,
      anonymousId: ctx.event.anonymousId || null,
      userId: ctx.event.userId || null,
      failedDelivery: failed ? describe(failed.reason) : null,
      errors: ctx.logs().filter((l) => l.level === 'error').map((l) => {
        const extra = l.extras && (l.extras.error || l.extras.reason || l.extras);
        const detail = extra instanceof Error ? describe(extra) : JSON.stringify(extra);
        return extra ? `${l.message}: ${detail}` : l.message;
      }),
    };
  }, { method: c.method, args: c.args || [] });
}

/** A plain fetch from the page: its status, or the error it rejected with (a CORS refusal is a TypeError). */
async function plainFetch(page, f) {
  return page.evaluate(async ({ url, body, headers }) => {
    try {
      const response = await fetch(url, { method: 'POST', body, headers: headers || undefined });
      return { url, status: response.status, error: null };
    } catch (e) {
      return { url, status: null, error: `${e.name}: ${e.message}` };
    }
  }, f);
}

async function runPage(context, spec, index, report) {
  const page = await context.newPage();
  const name = `page ${index}`;
  page.on('console', (m) => report.console.push({ page: index, type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => report.pageErrors.push({ page: index, error: String(e && e.stack ? e.stack : e) }));
  await page.addInitScript((config) => {
    window.__pageConfig = config;
  }, spec.config || {});
  const result = { url: spec.url, origin: new URL(spec.url).origin, calls: [], fetches: [], left: false };
  report.pages.push(result);
  log(`${name}: loading ${spec.url}`);
  const response = await page.goto(spec.url, { waitUntil: 'load' });
  if (!response || response.status() !== 200) {
    throw new Error(`${name}: ${spec.url} answered ${response ? response.status() : 'nothing'}`);
  }
  for (const c of spec.calls || []) {
    const r = await call(page, c);
    log(`${name}: ${c.method} ${r.messageId}: failedDelivery ${r.failedDelivery}, ${r.errors.length} errors`);
    result.calls.push(r);
  }
  for (const f of spec.fetches || []) {
    const r = await plainFetch(page, f);
    log(`${name}: fetch ${f.url}: ${r.status != null ? r.status : r.error}`);
    result.fetches.push(r);
  }
  if (spec.leave) {
    await page.goto('about:blank');
    result.left = true;
    log(`${name}: left for about:blank`);
  }
}

/** Records every request of the context as Playwright sees it, and its answer or failure. */
function recordRequests(context, report) {
  const entries = new Map();
  context.on('request', (request) => {
    const entry = { ms: ms(), method: request.method(), url: request.url(),
      resourceType: request.resourceType(), headers: request.headers(), body: request.postData(), status: null,
      failure: null };
    entries.set(request, entry);
    report.requests.push(entry);
    // The headers as sent (Playwright's first view lacks some the network stack adds, such as Origin).
    request.allHeaders().then((h) => {
      entry.headers = h;
    }, () => {});
  });
  context.on('requestfinished', (request) => {
    const entry = entries.get(request);
    request.response().then((response) => {
      if (entry && response) {
        entry.status = response.status();
      }
    }, () => {});
  });
  context.on('requestfailed', (request) => {
    const entry = entries.get(request);
    if (entry) {
      entry.failure = request.failure() ? request.failure().errorText : 'failed';
    }
  });
}

async function main() {
  const { input, released } = readInput();
  const spec = await input;
  if (!Array.isArray(spec.pages) || spec.pages.length === 0) {
    throw new Error('input lacks "pages"');
  }
  const deadlineMs = spec.deadlineMs || 60000;
  const { chromium } = require('playwright-core');
  const report = {
    browser: null,
    playwright: require('playwright-core/package.json').version,
    analyticsNext: require('@segment/analytics-next/package.json').version,
    pages: [], console: [], pageErrors: [], requests: [], error: null, elapsedMs: null,
  };
  let browser;
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const run = (async () => {
    // launch() gives the browser a fresh --user-data-dir of its own, deleted when it closes: nothing (cookies,
    // analytics-next's localStorage queue) carries over from another run.
    browser = await chromium.launch({
      executablePath: spec.executablePath || '/usr/bin/chromium',
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_ARGS,
    });
    report.browser = browser.version();
    log(`launched ${spec.executablePath || '/usr/bin/chromium'} ${report.browser}`);
    const context = await browser.newContext();
    recordRequests(context, report);
    for (let i = 0; i < spec.pages.length; i++) {
      await runPage(context, spec.pages[i], i, report);
    }
    if (spec.hold) {
      log('every page ran; holding the browser open until stdin ends');
      await released;
    }
    return 'done';
  })().catch((e) => {
    report.error = String(e && e.stack ? e.stack : e);
    log(`failed: ${report.error}`);
    return 'failed';
  });
  const outcome = await Promise.race([run, deadline]);
  clearTimeout(timer);
  if (browser) {
    await browser.close().catch((e) => log(`closing the browser: ${e}`));
  }
  report.elapsedMs = ms();
  const status = { done: 0, failed: 1, deadline: 2 }[outcome];
  if (outcome === 'deadline') {
    report.error = `the run passed its deadline of ${deadlineMs} ms`;
  }
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(status));
}

main().catch((e) => {
  process.stderr.write(`browser-run: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
