#!/usr/bin/env node
// A long-lived solc-js: loading the WebAssembly compiler costs about a second, so a mutation
// worker loads it once and sends one standard-JSON input per line on stdin; each answer is one
// line of standard-JSON output on stdout (JSON.stringify never emits a raw newline).
// Usage: node solc_server.js <path to the solc npm package> <project root>
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const solc = require(path.resolve(process.argv[2]));
const root = path.resolve(process.argv[3]);
const roots = [root];
for (let dir = root; ; dir = path.dirname(dir)) {
  roots.push(path.join(dir, 'node_modules'));
  if (path.dirname(dir) === dir) break;
}
roots.push(path.resolve(process.argv[2], '..'));

function findImport(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.join(r, importPath));
  for (const candidate of candidates) {
    try {
      if (fs.statSync(candidate).isFile()) return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (_) {
      // not under this root
    }
  }
  return { error: `File not found: ${importPath}` };
}

function writeAll(text) {
  const buf = Buffer.from(text + '\n', 'utf8');
  let offset = 0;
  while (offset < buf.length) {
    try {
      offset += fs.writeSync(1, buf, offset, buf.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

writeAll(JSON.stringify({ version: solc.version() }));
const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  if (!line.trim()) return;
  writeAll(solc.compile(line, { import: findImport }));
});
