#!/usr/bin/env node
// Loads a page in headless Chromium and waits until an element's text shows a
// line, through the DevTools protocol over a pipe (no debugging port is
// opened, and nothing but the page's own server is contacted).
//
// usage: node page_check.js CHROMIUM USER_DATA_DIR URL ELEMENT_ID LINE
//
// Polls the text of #ELEMENT_ID until one of its lines is exactly LINE, then
// prints the element's text and exits 0. Exits 1 when the line has not shown
// within PAGE_TIMEOUT seconds (default 20) or Chromium fails, printing what
// the page showed (its #status and #ELEMENT_ID) on stderr; 2 on bad usage.
// Chromium is stopped, whatever happens, before the script exits.
'use strict';

const { spawn } = require('child_process');

const ME = 'page_check.js';
const args = process.argv.slice(2);
if (args.length !== 5) {
  process.stderr.write('usage: ' + ME + ' CHROMIUM USER_DATA_DIR URL ELEMENT_ID LINE\n');
  process.exit(2);
}
const [chromium, userDataDir, url, elementId, line] = args;
const timeoutMs = Number(process.env.PAGE_TIMEOUT || 20) * 1000;

// The flags a headless probe of this machine uses, and the pipe for the protocol.
const browser = spawn(
  chromium,
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--user-data-dir=' + userDataDir,
    '--remote-debugging-pipe',
    'about:blank',
  ],
  // fd 3: commands to Chromium; fd 4: its answers and events.
  { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] }
);
let browserLog = '';
browser.stderr.on('data', (chunk) => {
  browserLog = (browserLog + chunk.toString()).slice(-4000);
});

let finished = false;
function finish(code, message) {
  if (finished) return;
  finished = true;
  if (code === 0) {
    process.stdout.write(message);
  } else {
    process.stderr.write(ME + ': ' + message + '\n');
  }
  // Ask Chromium to close (it stops its own child processes), then make sure it is gone.
  const exit = () => process.exit(code);
  if (browser.exitCode !== null || browser.signalCode !== null) return exit();
  browser.once('exit', exit);
  try {
    toBrowser.write(JSON.stringify({ id: nextId++, method: 'Browser.close', params: {} }) + '\0');
  } catch (e) {
    // the pipe is gone: the kill below does it
  }
  setTimeout(() => {
    try {
      browser.kill('SIGKILL');
    } catch (e) {
      // already gone
    }
    setTimeout(exit, 500);
  }, 3000).unref();
}

browser.on('error', (err) => finish(1, 'cannot start ' + chromium + ': ' + err.message));
browser.on('exit', (code, signal) => {
  finish(1, 'Chromium exited (' + (signal || code) + ') early; its last words:\n' + browserLog);
});

// The protocol: JSON messages separated by NUL bytes.
const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
let nextId = 1;
const waiting = new Map();
let pending = '';
fromBrowser.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  let end;
  while ((end = pending.indexOf('\0')) >= 0) {
    const message = JSON.parse(pending.slice(0, end));
    pending = pending.slice(end + 1);
    if (message.id !== undefined && waiting.has(message.id)) {
      const { resolve, reject } = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) reject(new Error(message.error.message));
      else resolve(message.result);
    }
  }
});
function send(method, params, sessionId) {
  const id = nextId++;
  const message = { id, method, params: params || {} };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const deadline = Date.now() + timeoutMs;
  const { targetId } = await send('Target.createTarget', { url });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const expression =
    'JSON.stringify((function () {' +
    ' var el = document.getElementById(' + JSON.stringify(elementId) + ');' +
    ' var st = document.getElementById("status");' +
    ' return { text: el ? el.textContent : null, status: st ? st.textContent : null };' +
    '})())';
  let seen = { text: null, status: null };
  while (Date.now() < deadline) {
    try {
      const { result } = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
      if (result && typeof result.value === 'string') seen = JSON.parse(result.value);
    } catch (e) {
      // The page is still loading (its context changes): ask again.
    }
    if (seen.text !== null && seen.text.split('\n').includes(line)) {
      return finish(0, seen.text);
    }
    await sleep(100);
  }
  finish(
    1,
    'the line ' + JSON.stringify(line) + ' did not show within ' + timeoutMs / 1000 + 's; ' +
      '#status: ' + JSON.stringify(seen.status) + ', #' + elementId + ': ' + JSON.stringify(seen.text)
  );
}

main().catch((err) => finish(1, 'DevTools protocol: ' + err.message));
