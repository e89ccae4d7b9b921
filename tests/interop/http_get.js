#!/usr/bin/env node
// A plain HTTP GET for the interop tests: what a browser asks a one-port
// server for before it opens a WebSocket.
//
// usage: node http_get.js URL
//
// Prints the status code on the first line and the body after it; exits 0
// whatever the status, 1 with one stderr line when there is no response.
// Set PEER_TIMEOUT (seconds, default 10) to change the time allowed.
'use strict';

const http = require('http');

if (process.argv.length !== 3) {
  process.stderr.write('usage: http_get.js URL\n');
  process.exit(2);
}
const timeout = Number(process.env.PEER_TIMEOUT || 10) * 1000;
const request = http.get(process.argv[2], { timeout }, (res) => {
  const chunks = [];
  res.on('data', (chunk) => chunks.push(chunk));
  res.on('end', () => {
    process.stdout.write(res.statusCode + '\n' + Buffer.concat(chunks).toString('utf8'));
    process.exit(0);
  });
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (err) => {
  process.stderr.write('http_get.js: ' + err.message + '\n');
  process.exit(1);
});
