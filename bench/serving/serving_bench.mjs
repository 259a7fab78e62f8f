#!/usr/bin/env node
// Serving benchmark: N concurrent streaming clients against `osprey serve` (or any server with the
// OpenAI /v1/completions streaming API). For each client count it reports aggregate generated
// tokens/s, time to first token (TTFT) and inter-token latency (ITL) p50/p99.
//
//   node bench/serving/serving_bench.mjs --url http://127.0.0.1:8080 --levels 1,4,16
//   node bench/serving/serving_bench.mjs --spawn build/osprey --model m.gguf -- -np 16 -c 16384
//
// Each client sends --requests requests one after another; every request streams exactly
// --max-tokens tokens (ignore_eos) after a prompt of about --prompt-words words that differs per
// client, so prefix reuse does not hide prompt processing.
import { spawn } from 'node:child_process';

function parseArgs(argv) {
  const o = { url: 'http://127.0.0.1:8080', levels: [1, 4, 16], requests: 2, maxTokens: 128, promptWords: 64,
    apiKey: '', spawn: '', model: '', serveArgs: [], json: false };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--url') o.url = next();
    else if (a === '--levels') o.levels = next().split(',').map(Number);
    else if (a === '--requests') o.requests = Number(next());
    else if (a === '--max-tokens') o.maxTokens = Number(next());
    else if (a === '--prompt-words') o.promptWords = Number(next());
    else if (a === '--api-key') o.apiKey = next();
    else if (a === '--spawn') o.spawn = next();
    else if (a === '--model') o.model = next();
    else if (a === '--json') o.json = true;
    else if (a === '--') { o.serveArgs = argv.slice(i + 1); break; }
    else if (a === '-h' || a === '--help') {
      console.log('usage: serving_bench.mjs [--url URL | --spawn OSPREY --model GGUF [-- serve flags]] ' +
        '[--levels 1,4,16] [--requests N] [--max-tokens N] [--prompt-words N] [--api-key K] [--json]');
      process.exit(0);
    } else {
      console.error(`unknown flag '${a}' (see --help)`);
      process.exit(1);
    }
  }
  return o;
}

function startServer(o) {
  return new Promise((resolve, reject) => {
    const proc = spawn(o.spawn, ['serve', '-m', o.model, '--port', '0', ...o.serveArgs],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on http:\/\/([\d.]+):(\d+)/);
      if (m) resolve({ proc, url: `http://${m[1]}:${m[2]}` });
    });
    proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
}

const WORDS = ('once upon a time there was a little girl named lily she loved to play outside in the park ' +
  'one day she saw a big red ball and wanted to play with it but it was too high').split(' ');

function promptFor(client, request, n) {
  const out = [`Story ${client}-${request}:`];
  for (let i = 0; i < n; ++i) out.push(WORDS[(i * 7 + client * 13 + request * 3) % WORDS.length]);
  return out.join(' ');
}

// One streamed request: returns {ttft, gaps[], tokens}. Token times are the arrival times of
// stream chunks that carry text; the usage chunk gives the exact token count.
async function streamOne(o, prompt) {
  const t0 = performance.now();
  const res = await fetch(o.url + '/v1/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
    body: JSON.stringify({ prompt, max_tokens: o.maxTokens, temperature: 0.8, ignore_eos: true, stream: true,
      stream_options: { include_usage: true } }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buf = '', first = -1, last = -1, tokens = 0;
  const gaps = [];
  for await (const part of res.body) {
    buf += decoder.decode(part, { stream: true });
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      if (j.usage) tokens = j.usage.completion_tokens;
      if (!j.choices?.length || !j.choices[0].text) continue;
      const now = performance.now();
      if (first < 0) first = now;
      else gaps.push(now - last);
      last = now;
    }
  }
  return { ttft: first - t0, gaps, tokens };
}

function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function runLevel(o, clients) {
  const ttfts = [], gaps = [];
  let tokens = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let r = 0; r < o.requests; ++r) {
      const s = await streamOne(o, promptFor(c, r, o.promptWords));
      ttfts.push(s.ttft);
      gaps.push(...s.gaps);
      tokens += s.tokens;
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  return { clients, requests: clients * o.requests, tokens, wall_s: wall, tokens_per_s: tokens / wall,
    ttft_p50_ms: pct(ttfts, 50), ttft_p99_ms: pct(ttfts, 99), itl_p50_ms: pct(gaps, 50), itl_p99_ms: pct(gaps, 99) };
}

async function main() {
  const o = parseArgs(process.argv);
  let server = null;
  if (o.spawn) {
    server = await startServer(o);
    o.url = server.url;
  }
  try {
    await streamOne({ ...o, maxTokens: 4 }, 'warm up');
    const rows = [];
    for (const n of o.levels) rows.push(await runLevel(o, n));
    if (o.json) {
      console.log(JSON.stringify(rows, null, 1));
    } else {
      console.log(`max_tokens ${o.maxTokens}, ${o.requests} requests per client, prompt ~${o.promptWords} words, ${o.url}`);
      console.log('| clients | requests | tokens | wall s | tokens/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |');
      console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of rows)
        console.log(`| ${r.clients} | ${r.requests} | ${r.tokens} | ${r.wall_s.toFixed(2)} | ${r.tokens_per_s.toFixed(1)} | ` +
          `${r.ttft_p50_ms.toFixed(1)} | ${r.ttft_p99_ms.toFixed(1)} | ${r.itl_p50_ms.toFixed(2)} | ${r.itl_p99_ms.toFixed(2)} |`);
    }
  } finally {
    if (server) server.proc.kill('SIGTERM');
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
