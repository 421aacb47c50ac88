/*
 * The hub suite's browser: one headless Chromium (Debian's, through the Playwright that
 * ui-tests/node_modules already has), driven by bench_hub.py over stdin/stdout, one JSON
 * object a line each way.
 *
 *   {"cmd": "spawn", "hub": "http://127.0.0.1:8200", "user": "u", "password": "…",
 *    "token": "<hub API token>", "options": {...}, "timeout_ms": 180000}
 *     → a new browser context (empty cache, no cookies), logged in through the hub's login
 *       page (not timed); then, timed from t0 = just before the hub API's spawn request
 *       (POST /hub/api/users/<u>/server with the options as JSON): the page opens
 *       /user/<u>/lab, which the hub turns into its spawn-pending page until the server is
 *       ready, then sends to the server (OAuth), until `.jp-Launcher` is visible.
 *     ← {"ok": true, "post_ms", "lab_html_ms", "launcher_ms"} (ms after t0), "requests" and
 *       "bytes" (the responses from the lab HTML on until the launcher showed, and the sum
 *       of their Content-Length headers, where given), the context closed; or
 *       {"ok": false, "error"}.
 *   {"cmd": "quit"}
 *
 * Both sides of the comparison go through exactly this sequence.
 */
'use strict';

const path = require('path');
const readline = require('readline');
const { performance } = require('perf_hooks');

const { chromium } = require(
  path.join(__dirname, '..', 'ui-tests', 'node_modules', 'playwright')
);

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function login(page, hub, user, password, timeout) {
  await page.goto(`${hub}/hub/login`, { timeout });
  await page.fill('#username_input', user);
  await page.fill('#password_input', password);
  await Promise.all([
    page.waitForURL(url => !url.pathname.endsWith('/hub/login'), { timeout }),
    page.click('#login_submit')
  ]);
  await page.goto('about:blank');
}

async function spawn(browser, msg) {
  const timeout = msg.timeout_ms || 180000;
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }
  });
  try {
    const page = await context.newPage();
    await login(page, msg.hub, msg.user, msg.password, timeout);
    const labPath = `/user/${msg.user}/lab`;
    let labHtml = null;
    let t0 = 0;
    let launcher = null;
    let requests = 0;
    let bytes = 0;
    page.on('response', response => {
      const request = response.request();
      if (labHtml !== null && launcher === null) {
        requests += 1;
        bytes += Number(response.headers()['content-length'] || 0);
      }
      if (
        labHtml === null &&
        request.isNavigationRequest() &&
        response.status() === 200 &&
        new URL(response.url()).pathname === labPath
      ) {
        labHtml = performance.now() - t0;
      }
    });
    t0 = performance.now();
    const answer = await fetch(`${msg.hub}/hub/api/users/${msg.user}/server`, {
      method: 'POST',
      headers: {
        Authorization: `token ${msg.token}`,
        'Content-Type': 'application/json'
      },
      body: JSON.stringify(msg.options || {})
    });
    const post = performance.now() - t0;
    if (answer.status !== 201 && answer.status !== 202) {
      throw new Error(
        `spawn answered ${answer.status}: ${await answer.text()}`
      );
    }
    await page.goto(`${msg.hub}${labPath}`, { waitUntil: 'commit', timeout });
    await page.waitForSelector('.jp-Launcher', { state: 'visible', timeout });
    launcher = performance.now() - t0;
    return {
      ok: true,
      post_ms: post,
      lab_html_ms: labHtml,
      launcher_ms: launcher,
      requests,
      bytes
    };
  } finally {
    await context.close();
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage'
    ]
  });
  reply({ ok: true, ready: true, version: browser.version() });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    const msg = JSON.parse(line);
    if (msg.cmd === 'quit') {
      break;
    }
    try {
      if (msg.cmd === 'spawn') {
        reply(await spawn(browser, msg));
      } else {
        reply({ ok: false, error: `unknown command ${msg.cmd}` });
      }
    } catch (err) {
      reply({ ok: false, error: String((err && err.stack) || err) });
    }
  }
  await browser.close();
}

main().catch(err => {
  reply({ ok: false, error: String((err && err.stack) || err) });
  process.exit(1);
});
