#!/usr/bin/env node
// A hixie-76 (hybi-00) echo server built on websocket-driver 0.8.0, used as an
// independent peer in the interop tests.
//
// usage: node node_server.js [--allow-hixie75] PORT      (PORT 0 picks a free port)
//
// Prints "listening on 127.0.0.1:PORT" as its first stdout line, then echoes
// every text message back and answers the closing handshake. Diagnostics go
// to stderr.
//
// Known quirks of the peer (not worked around here on purpose):
// - it sends the 101 head before key3 has arrived and the 16-byte answer later;
// - it never sends Sec-WebSocket-Protocol on a hixie-76 answer;
// - it rejects a key whose number is 0;
// - its own HTTP parser (websocket.server()) never answers a request that
//   carries `Content-Length: 8` when key3 arrives in the same read as the
//   head. On this route Node's parser reads the head and hands key3 over as
//   the 'upgrade' event's `head`, so such a request is answered here.
'use strict';

const http = require('http');
const path = require('path');

let websocket;
try {
  websocket = require('websocket-driver');
} catch (e) {
  process.stderr.write(
    'node_server.js: websocket-driver is not installed; run ' +
      path.join(__dirname, 'install-peers.sh') + '\n'
  );
  process.exit(2);
}

// --allow-hixie75 also serves hixie-75 requests (no keys), which the driver
// answers with hixie-75's own status line and fields.
const args = process.argv.slice(2);
const allowHixie75 = args[0] === '--allow-hixie75';
if (allowHixie75) args.shift();
const port = Number(args[0] === undefined ? 0 : args[0]);
if (args.length > 1 || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: node_server.js [--allow-hixie75] PORT\n');
  process.exit(2);
}

function log(msg) {
  process.stderr.write('node_server.js: ' + msg + '\n');
}

const server = http.createServer((req, res) => {
  log('plain HTTP request for ' + req.url + ', answering 400');
  res.writeHead(400, { 'Content-Type': 'text/plain' });
  res.end('WebSocket only\n');
});

server.on('upgrade', (request, socket, head) => {
  socket.on('error', (err) => log('socket error: ' + err.message));
  if (!websocket.isWebSocket(request)) {
    log('upgrade request that is not a WebSocket, dropping it');
    socket.destroy();
    return;
  }
  // hixie-75/76 are "drafts" to websocket-driver and refused unless allowed.
  const driver = websocket.http(request, { allowDrafts: true });
  if (driver.version !== 'hixie-76' && !(allowHixie75 && driver.version === 'hixie-75')) {
    log('expected a hixie-76 request, got ' + driver.version + '; dropping it');
    socket.destroy();
    return;
  }
  driver.on('open', () => log('handshake complete for ' + request.url));
  driver.on('error', (ev) => log('protocol error: ' + ev.message));
  driver.on('close', () => socket.end());
  driver.messages.on('data', (message) => driver.messages.write(message));

  // Bytes that Node read past the head (key3, maybe frames) go in first.
  driver.io.write(head);
  socket.pipe(driver.io).pipe(socket);
  driver.start();
});

server.on('clientError', (err, socket) => {
  log('client error: ' + err.message);
  socket.destroy();
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening on 127.0.0.1:' + server.address().port + '\n');
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
