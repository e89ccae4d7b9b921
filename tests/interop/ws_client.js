#!/usr/bin/env node
// An RFC 6455 client built on ws 8.23.0, used as an independent peer in the
// interop tests (the servers under test hand RFC 6455 to tungstenite, so the
// client must not be tungstenite too).
//
// usage: node ws_client.js [--protocol NAME]... [--binary HEX]... URL ORIGIN [MESSAGE]...
//
// Opens URL with the given Origin, offering each --protocol NAME; sends each
// MESSAGE as a text message and each --binary HEX as a binary message, in the
// order given; prints "connected" (with " protocol=NAME" when the server
// agreed on one), then "< TEXT" for each text echo and "< binary HEX" for each
// binary one, then closes with status 1000 and prints "closed" once the server
// answered the close. Exits 0 when every message came back as sent, 1 with one
// stderr line giving the reason otherwise, 2 on bad usage.
// Set PEER_TIMEOUT (seconds, default 10) to change the time allowed overall.
'use strict';

const path = require('path');

const ME = 'ws_client.js';
let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  process.stderr.write(
    ME + ': ws is not installed; run ' + path.join(__dirname, 'install-peers.sh') + '\n'
  );
  process.exit(2);
}

function usage() {
  process.stderr.write(
    'usage: ' + ME + ' [--protocol NAME]... [--binary HEX]... URL ORIGIN [MESSAGE]...\n'
  );
  process.exit(2);
}

let failed = false;
function fail(reason) {
  if (failed) return;
  failed = true;
  process.stderr.write(ME + ': ' + reason + '\n');
  process.exit(1);
}

const protocols = [];
const messages = []; // { binary: bool, data: string | Buffer }
const positional = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--protocol' || arg === '--binary') {
    const value = args[++i];
    if (value === undefined) usage();
    if (arg === '--protocol') {
      protocols.push(value);
    } else {
      if (!/^([0-9a-fA-F]{2})*$/.test(value)) usage();
      messages.push({ binary: true, data: Buffer.from(value, 'hex') });
    }
  } else if (arg.startsWith('--')) {
    usage();
  } else if (positional.length < 2) {
    positional.push(arg);
  } else {
    messages.push({ binary: false, data: arg });
  }
}
if (positional.length !== 2) usage();
const [url, origin] = positional;

const timeout = Number(process.env.PEER_TIMEOUT || 10) * 1000;
setTimeout(() => fail('timed out after ' + timeout / 1000 + 's'), timeout).unref();

const socket = new WebSocket(url, protocols, { origin, handshakeTimeout: timeout });
let received = 0;

function describe(message) {
  return message.binary ? 'binary ' + message.data.toString('hex') : message.data;
}

socket.on('unexpected-response', (req, res) => fail('handshake refused with status ' + res.statusCode));
socket.on('error', (err) => fail('error: ' + err.message));
socket.on('open', () => {
  const agreed = socket.protocol;
  process.stdout.write('connected' + (agreed ? ' protocol=' + agreed : '') + '\n');
  if (protocols.length > 0 && !protocols.includes(agreed)) {
    fail('the server agreed on no offered subprotocol');
  }
  for (const message of messages) {
    socket.send(message.data, { binary: message.binary });
  }
  if (messages.length === 0) socket.close(1000);
});
socket.on('message', (data, isBinary) => {
  const expected = messages[received];
  if (expected === undefined) return fail('an unexpected message: ' + data.toString());
  const got = { binary: isBinary, data: isBinary ? Buffer.from(data) : data.toString('utf8') };
  process.stdout.write('< ' + describe(got) + '\n');
  if (describe(got) !== describe(expected)) {
    return fail('expected "' + describe(expected) + '", got "' + describe(got) + '"');
  }
  received += 1;
  if (received === messages.length) socket.close(1000);
});
socket.on('close', (code) => {
  if (received < messages.length) {
    return fail('closed (' + code + ') after ' + received + ' of ' + messages.length + ' messages');
  }
  process.stdout.write('closed\n');
  process.exit(0);
});
