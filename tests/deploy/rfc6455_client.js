#!/usr/bin/env node
// An RFC 6455 client built on the npm package `ws`, an independent peer for
// the deploy tests once the server behind the proxies speaks RFC 6455 too.
// Install it with `tests/deploy/install.sh --rfc6455-client` (into
// tests/deploy/node_modules, where Node's lookup finds it).
//
// usage: rfc6455_client.js [--protocol NAME]... URL MESSAGE
//
// Opens URL with Origin http://example.com, sends MESSAGE as one text
// message, expects it echoed, closes with status 1000 and waits for the
// server's close. Prints "connected" (" protocol=NAME" when one was agreed),
// "< MESSAGE" and "closed" as it goes; exits 0 on success, 1 with one stderr
// line otherwise, 2 on bad usage. PEER_TIMEOUT (seconds, default 10) bounds
// the whole run.
'use strict';

const ME = 'rfc6455_client.js';
const args = process.argv.slice(2);
const protocols = [];
while (args.length && args[0] === '--protocol' && args.length > 1) {
  args.shift();
  protocols.push(args.shift());
}
if (args.length !== 2 || args[0].startsWith('--')) {
  console.error(`usage: ${ME} [--protocol NAME]... URL MESSAGE`);
  process.exit(2);
}
const [url, message] = args;

function fail(reason) {
  console.error(`${ME}: ${reason}`);
  process.exit(1);
}

let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  fail("the npm package 'ws' is not installed: run tests/deploy/install.sh --rfc6455-client");
}

const timeout = 1000 * (Number(process.env.PEER_TIMEOUT) || 10);
setTimeout(() => fail(`timed out after ${timeout / 1000}s`), timeout).unref();

const ws = new WebSocket(url, protocols, { origin: 'http://example.com', handshakeTimeout: timeout });
let echoed = false;
ws.on('open', () => {
  console.log(ws.protocol ? `connected protocol=${ws.protocol}` : 'connected');
  ws.send(message);
});
ws.on('message', (data, isBinary) => {
  if (isBinary) fail('a binary message instead of the echo');
  if (echoed) fail('a second message after the echo');
  const text = data.toString('utf8');
  if (text !== message) fail(`echo is '${text}', expected '${message}'`);
  echoed = true;
  console.log(`< ${text}`);
  ws.close(1000);
});
ws.on('close', (code) => {
  if (!echoed) fail(`connection closed (code ${code}) before the echo arrived`);
  console.log('closed');
  process.exit(0);
});
ws.on('unexpected-response', (req, res) => fail(`handshake refused with HTTP ${res.statusCode}`));
ws.on('error', (e) => fail(e.message));
