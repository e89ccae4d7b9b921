#!/usr/bin/env node
// An RFC 6455 echo server built on ws 8.23.0: the peer that proves
// ws_client.js in the interop tests.
//
// usage: node ws_server.js PORT      (PORT 0 picks a free port)
//
// Prints "listening on 127.0.0.1:PORT" as its first stdout line, then echoes
// every message (text as text, binary as binary) and answers the close. Agrees
// on the subprotocol `sample` when it is offered, on none otherwise.
'use strict';

const path = require('path');

let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  process.stderr.write(
    'ws_server.js: ws is not installed; run ' + path.join(__dirname, 'install-peers.sh') + '\n'
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const port = Number(args[0] === undefined ? 0 : args[0]);
if (args.length > 1 || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: ws_server.js PORT\n');
  process.exit(2);
}

const server = new WebSocket.WebSocketServer({
  host: '127.0.0.1',
  port,
  handleProtocols: (offered) => (offered.has('sample') ? 'sample' : false),
});
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', (err) => process.stderr.write('ws_server.js: ' + err.message + '\n'));
});
server.on('listening', () => {
  process.stdout.write('listening on 127.0.0.1:' + server.address().port + '\n');
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
