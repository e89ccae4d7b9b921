#!/usr/bin/env node
// Keep-alive survey driver for the npm package websocket-client 1.0.0, a
// hixie-76 client written for Node 0.x (the one socket.io-client 0.7/0.8
// used under Node). Installed by ../install.sh into ../node_modules.
//
// usage: node_websocket_client.js URL ORIGIN [WAIT_SECS [LISTEN_SECS]]
//
// The command line and the output are the same for every driver (see
// ../README.md): connect to URL with ORIGIN, wait WAIT_SECS (default 1.5) for
// whatever the server sends, send the text message "hello", listen LISTEN_SECS
// (default 1.0) more, then exit 0. One line per event on stdout:
//   open | message ESCAPED | binary HEX | close [DETAIL] | error REASON
// A close or an error ends the run early. Exit 2 on bad usage, 1 if the
// driver itself breaks.
//
// The library calls http.createClient(port, host), which today's Node no
// longer has. A stand-in for exactly the part it uses is put in place below:
// request(path, headers) becomes http.request() with method GET and no agent,
// and the request's 'upgrade' and 'error' events are passed on to the
// client object, as the old http.Client emitted them. A GET request with a
// body and no Content-Length is still written as is, without chunking, so
// key3 goes out as the 8 raw bytes after the head. It also hashes its binary
// strings with hash.update(string), whose default encoding was 'binary' in
// the Node it was written for and is 'utf8' now: the hashes made here are
// given back that old default, or every handshake answer would be taken for
// wrong. The library's framing code runs untouched.
'use strict';

const crypto = require('crypto');
const http = require('http');
const path = require('path');
const { EventEmitter } = require('events');

process.noDeprecation = true; // the library uses `sys` and `new Buffer()`

const ME = 'node_websocket_client.js';
const NUM = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const args = process.argv.slice(2);
if (args.length < 2 || args.length > 4 || !/^ws:\/\/[^/:]+:\d+(\/.*)?$/.test(args[0]) ||
    (args[2] !== undefined && !NUM.test(args[2])) || (args[3] !== undefined && !NUM.test(args[3]))) {
  process.stderr.write(`usage: ${ME} URL ORIGIN [WAIT_SECS [LISTEN_SECS]]\n`);
  process.exit(2);
}
const [url, origin] = args;
const waitMs = 1000 * Number(args[2] ?? 1.5);
const listenMs = 1000 * Number(args[3] ?? 1.0);

if (typeof http.createClient !== 'function') {
  http.createClient = function createClient(port, host) {
    const client = new EventEmitter();
    client.request = function request(reqPath, headers) {
      const req = http.request({ host, port, path: reqPath, method: 'GET', headers, agent: false });
      req.on('upgrade', (res, socket, head) => client.emit('upgrade', res, socket, head));
      req.on('error', (e) => client.emit('error', e));
      req.on('response', (res) => {
        client.emit('error', new Error(`HTTP ${res.statusCode} instead of an upgrade`));
        res.resume();
      });
      return req;
    };
    client.end = function end() {};
    return client;
  };
}

const createHash = crypto.createHash;
crypto.createHash = function createHashWithBinaryStrings(...hashArgs) {
  const hash = createHash.apply(crypto, hashArgs);
  const update = hash.update;
  hash.update = function updateBinary(data, encoding) {
    return update.call(hash, data, typeof data === 'string' && !encoding ? 'latin1' : encoding);
  };
  return hash;
};

const { WebSocket } = require(path.join(__dirname, '..', 'node_modules', 'websocket-client'));

// The same escaping in every driver: backslash doubled, C0 controls and DEL as
// \xNN, other non-ASCII characters as \u{HEX}.
function escaped(text) {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c > 0x7f) out += '\\u{' + c.toString(16) + '}';
    else out += ch;
  }
  return out;
}

let done = false;
function event(line) {
  if (!done) process.stdout.write(line + '\n');
}
function finish(line) {
  if (done) return;
  if (line !== undefined) event(line);
  done = true;
  // Let stdout drain, then leave whatever the library still holds open.
  process.stdout.write('', () => process.exit(0));
}
function oneLine(e) {
  return String((e && e.message) || e || 'unknown').replace(/\s+/g, ' ');
}

let ws;
try {
  ws = new WebSocket(url, null, { origin });
} catch (e) {
  finish('error ' + oneLine(e));
}
if (ws) {
  ws.onopen = () => {
    event('open');
    setTimeout(() => {
      if (done) return;
      try {
        ws.send('hello');
      } catch (e) {
        finish('error send: ' + oneLine(e));
        return;
      }
      setTimeout(() => finish(), listenMs);
    }, waitMs);
  };
  ws.onmessage = (m) => event('message ' + escaped(m.data));
  ws.onclose = () => finish('close');
  ws.on('wserror', (e) => finish('error ' + oneLine(e)));
  setTimeout(() => finish('error no open within 5s'), 5000 + waitMs + listenMs).unref();
}
process.on('uncaughtException', (e) => finish('error uncaught: ' + oneLine(e)));
