// Helpers for the integration tests: start the real `osprey serve` on a free loopback port, find
// the shared material, load the openai SDK from the npm directory, small HTTP utilities.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

export const BIN = process.env.OSPREY_BIN;
export const SOURCE_DIR = process.env.OSPREY_SOURCE_DIR;

// $OSPREY_SHARED, else <repo>/../shared; null when the file is missing.
export function sharedPath(rel) {
  const dirs = [process.env.OSPREY_SHARED, SOURCE_DIR && path.join(SOURCE_DIR, '..', 'shared')].filter(Boolean);
  for (const d of dirs) {
    const p = path.join(d, rel);
    if (existsSync(p)) return p;
  }
  return null;
}

export const MODEL = sharedPath('models/stories260K.gguf');
export const REFERENCE = sharedPath('reference/stories260K-greedy.json')
  ? JSON.parse(readFileSync(sharedPath('reference/stories260K-greedy.json'), 'utf8'))
  : null;

export function loadOpenAI() {
  const dir = process.env.OSPREY_NPM_DIR;
  if (!dir || !existsSync(path.join(dir, 'node_modules', 'openai'))) return null;
  const require = createRequire(path.join(dir, 'package.json'));
  return require('openai');
}

// Starts `osprey serve -m MODEL --port 0 ...args` and resolves once it listens. Rejects after 30 s.
export function startServer(args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '-m', MODEL, '--host', '127.0.0.1', '--port', '0', '-t', '1', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      proc.kill('SIGKILL');
      reject(new Error('server did not start within 30 s:\n' + log));
    }, 30000);
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        const url = `http://127.0.0.1:${m[1]}`;
        const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
        resolve({
          url,
          port: Number(m[1]),
          proc,
          log: () => log,
          exited,
          // SIGTERM, then the exit status (SIGKILL after 15 s).
          async stop() {
            if (proc.exitCode !== null) return { code: proc.exitCode };
            proc.kill('SIGTERM');
            const kill = setTimeout(() => proc.kill('SIGKILL'), 15000);
            const r = await exited;
            clearTimeout(kill);
            return r;
          },
        });
      }
    });
    proc.on('exit', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log}`));
    });
  });
}

export async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

export async function getJson(url) {
  const res = await fetch(url);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, text, json };
}

// Runs curl with args; returns {status, body, headers} (the -i output split).
export function curl(args) {
  const out = execFileSync('curl', ['-s', '-S', '-i', '--max-time', '60', ...args], {
    encoding: 'utf8', maxBuffer: 64 << 20,
  });
  let rest = out;
  // Skip interim 100 Continue answers.
  while (/^HTTP\/1\.1 100/.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const split = rest.indexOf('\r\n\r\n');
  const head = rest.slice(0, split);
  const body = rest.slice(split + 4);
  const status = Number(head.split(' ')[1]);
  const headers = {};
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, body, headers };
}

// The data: payloads of a Server-Sent Events body.
export function sseData(body) {
  return body.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
}

// A raw streaming request with node:http that the caller can drop at any moment.
// onChunk(text) runs for every body chunk. Returns {req, done} (done resolves on close).
export function openStream(url, pathName, body, onChunk = () => {}) {
  const u = new URL(url);
  const data = JSON.stringify(body);
  let req;
  const done = new Promise((resolve) => {
    req = http.request({
      host: u.hostname, port: u.port, path: pathName, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      res.setEncoding('utf8');
      res.on('data', onChunk);
      res.on('end', () => resolve('end'));
      res.on('error', () => resolve('error'));
      res.on('close', () => resolve('close'));
    });
    req.on('error', () => resolve('error'));
    req.on('close', () => resolve('close'));
  });
  req.write(data);
  req.end();
  return { req, done };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls cond() every 10 ms until it holds; false after `ms` (a bound, not a performance claim).
export async function waitFor(cond, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(10);
  }
  return false;
}

export async function slots(url) {
  return (await getJson(url + '/slots')).json;
}

// A metric's value from the /metrics text (first sample with that exact name).
export async function metric(url, name) {
  const text = (await getJson(url + '/metrics')).text;
  const m = text.match(new RegExp('^' + name.replace(/[{}"+]/g, '\\$&') + ' (\\S+)$', 'm'));
  return m ? Number(m[1]) : NaN;
}
