// `osprey serve` with stories260K driven by curl: the golden greedy continuation, shapes of every
// endpoint, streaming, and every error status (400, 401, 404, 413; 503 in concurrency.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, curl, sseData, REFERENCE, postJson } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(['-np', '2', '--metrics', '-c', '4096', '--body-limit', '1']); });
after(async () => { if (srv) await srv.stop(); });

const post = (p, body, extra = []) =>
  curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', typeof body === 'string' ? body : JSON.stringify(body), ...extra, srv.url + p]);

test('GET /health is ok', () => {
  const r = curl([srv.url + '/health']);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
});

test('greedy /v1/completions returns the reference continuation exactly', () => {
  const r = post('/v1/completions', { prompt: REFERENCE.prompt, max_tokens: 64, temperature: 0 });
  assert.equal(r.status, 200, r.body);
  const j = JSON.parse(r.body);
  assert.equal(j.choices[0].text, REFERENCE.continuation_text);
  assert.equal(j.choices[0].finish_reason, 'length');
  assert.equal(j.object, 'text_completion');
  assert.deepEqual(
    [j.usage.prompt_tokens, j.usage.completion_tokens, j.usage.total_tokens],
    [REFERENCE.prompt_tokens.length, 64, REFERENCE.prompt_tokens.length + 64]);
});

test('llama.cpp /completion: the reference tokens, text and fields', () => {
  const r = post('/completion', { prompt: REFERENCE.prompt, n_predict: 64, temperature: 0, return_tokens: true });
  const j = JSON.parse(r.body);
  assert.equal(j.content, REFERENCE.continuation_text);
  assert.deepEqual(j.tokens, REFERENCE.continuation_tokens);
  assert.equal(j.tokens_predicted, 64);
  assert.equal(j.tokens_evaluated, REFERENCE.prompt_tokens.length);
  assert.equal(j.stop, true);
  assert.equal(j.stop_type, 'limit');
  for (const k of ['prompt_n', 'prompt_ms', 'prompt_per_second', 'predicted_n', 'predicted_ms', 'predicted_per_second'])
    assert.ok(k in j.timings, k);
  assert.equal(j.timings.predicted_n, 64);
});

test('a prompt of token ids is used exactly as given', () => {
  const j = JSON.parse(post('/completion', { prompt: REFERENCE.prompt_tokens, n_predict: 64, temperature: 0 }).body);
  assert.equal(j.content, REFERENCE.continuation_text);
  assert.equal(j.tokens_evaluated, REFERENCE.prompt_tokens.length);
  const without_bos = REFERENCE.prompt_tokens.slice(1);
  const k = JSON.parse(post('/v1/completions', { prompt: without_bos, max_tokens: 1, temperature: 0 }).body);
  assert.equal(k.usage.prompt_tokens, without_bos.length);  // no BOS added
});

test('n_probs gives completion_probabilities in llama.cpp shape (log-softmax)', () => {
  const j = JSON.parse(post('/completion', { prompt: REFERENCE.prompt, n_predict: 3, temperature: 0, n_probs: 4 }).body);
  assert.equal(j.completion_probabilities.length, 3);
  const first = j.completion_probabilities[0];
  assert.equal(first.id, REFERENCE.continuation_tokens[0]);
  for (const k of ['id', 'token', 'bytes', 'logprob', 'top_logprobs']) assert.ok(k in first, k);
  assert.equal(first.top_logprobs.length, 4);
  assert.equal(first.top_logprobs[0].id, first.id);
  let sum = 0;
  for (const t of first.top_logprobs) { assert.ok(t.logprob <= 0); sum += Math.exp(t.logprob); }
  assert.ok(sum <= 1.0001);
  assert.deepEqual(first.bytes, [...Buffer.from(first.token, 'utf8')]);
});

test('streamed chat: role chunk, content chunks, finish chunk, usage, [DONE]', () => {
  const body = { messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 16, temperature: 0,
    stream: true, stream_options: { include_usage: true } };
  const r = curl(['-N', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body), srv.url + '/v1/chat/completions']);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /text\/event-stream/);
  const events = sseData(r.body);
  assert.equal(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage.completion_tokens, 16);
  const fin = chunks.filter((c) => c.choices.length && c.choices[0].finish_reason);
  assert.equal(fin.length, 1);
  assert.equal(fin[0].choices[0].finish_reason, 'length');
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  const whole = JSON.parse(post('/v1/chat/completions', { ...body, stream: false }).body);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(whole.usage.prompt_tokens, usage.usage.prompt_tokens);
});

test('stop strings are cut and never sent, also when streamed', () => {
  const cut = REFERENCE.continuation_text.indexOf(' girl');
  const expect = REFERENCE.continuation_text.slice(0, cut);
  const body = { prompt: REFERENCE.prompt, max_tokens: 64, temperature: 0, stop: [' girl', 'zzz'] };
  const j = JSON.parse(post('/v1/completions', body).body);
  assert.equal(j.choices[0].text, expect);
  assert.equal(j.choices[0].finish_reason, 'stop');
  const s = curl(['-N', '-X', 'POST', '-d', JSON.stringify({ ...body, stream: true }), srv.url + '/v1/completions']);
  const parts = sseData(s.body).filter((e) => e !== '[DONE]').map((e) => JSON.parse(e).choices[0].text);
  assert.equal(parts.join(''), expect);
});

test('/tokenize, /detokenize, /props, /slots, /v1/models, /metrics', () => {
  const t = JSON.parse(post('/tokenize', { content: REFERENCE.prompt, add_special: true }).body);
  assert.deepEqual(t.tokens, REFERENCE.prompt_tokens);
  const d = JSON.parse(post('/detokenize', { tokens: REFERENCE.continuation_tokens }).body);
  assert.equal(d.content, REFERENCE.continuation_text);
  const p = JSON.parse(curl([srv.url + '/props']).body);
  assert.equal(p.total_slots, 2);
  assert.equal(p.default_generation_settings.n_ctx, 2048);
  const s = JSON.parse(curl([srv.url + '/slots']).body);
  assert.equal(s.length, 2);
  const m = JSON.parse(curl([srv.url + '/v1/models']).body);
  assert.equal(m.data[0].id, 'stories260K');
  const metrics = curl([srv.url + '/metrics']);
  assert.equal(metrics.status, 200);
  for (const k of ['osprey_generated_tokens_total', 'osprey_queue_depth', 'osprey_slots_busy', 'osprey_kv_blocks_used',
    'osprey_time_to_first_token_seconds_bucket', 'osprey_inter_token_latency_seconds_bucket', 'osprey_queue_wait_seconds_bucket'])
    assert.ok(metrics.body.includes(k), k);
});

test('400: malformed JSON, wrong types, out-of-range values', () => {
  const cases = [
    ['/v1/completions', '{"prompt": "x",', 'malformed JSON'],
    ['/v1/completions', { prompt: 'x', temperature: 'warm' }, "'temperature' must be a number"],
    ['/v1/completions', { prompt: 'x', max_tokens: -7 }, "'max_tokens' = -7"],
    ['/v1/completions', { prompt: 'x', top_p: 1.5 }, "'top_p' = 1.5"],
    ['/v1/completions', { prompt: 'x', n: 3 }, 'n = 3'],
    ['/v1/chat/completions', { messages: 'hi' }, "'messages' must be an array"],
    ['/v1/completions', { prompt: [600] }, 'out of range'],
  ];
  for (const [p, body, needle] of cases) {
    const r = post(p, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.body}`);
    const e = JSON.parse(r.body).error;
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.code, 400);
    assert.ok(e.message.includes(needle), `${e.message} should mention ${needle}`);
  }
});

test('400: a prompt longer than the context names both numbers', () => {
  const long = 'Once upon a time '.repeat(700);
  const r = post('/v1/completions', { prompt: long, max_tokens: 1 });
  assert.equal(r.status, 400);
  const msg = JSON.parse(r.body).error.message;
  assert.match(msg, /2048/);
  const n = JSON.parse(post('/tokenize', { content: long, add_special: true }).body).tokens.length;
  assert.ok(msg.includes(String(n)), msg);
});

test('404: unknown route and unknown model', () => {
  const r = curl([srv.url + '/v2/nothing']);
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).error.type, 'not_found_error');
  const m = post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(m.status, 404);
  assert.match(JSON.parse(m.body).error.message, /gpt-4o/);
});

test('413: a body over --body-limit', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osprey-e2e-'));
  const file = path.join(dir, 'big.json');
  writeFileSync(file, JSON.stringify({ prompt: 'x'.repeat(2 << 20) }));
  const r = curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', '@' + file, srv.url + '/v1/completions']);
  assert.equal(r.status, 413);
  assert.match(JSON.parse(r.body).error.message, /1048576/);
});

test('401 with --api-key (constant-time check), /health stays open', async () => {
  const a = await startServer(['--api-key', 'k-one', '--api-key', 'k-two']);
  try {
    const body = JSON.stringify({ prompt: 'x', max_tokens: 1 });
    const no = curl(['-X', 'POST', '-d', body, a.url + '/v1/completions']);
    assert.equal(no.status, 401);
    assert.equal(JSON.parse(no.body).error.type, 'authentication_error');
    assert.equal(curl(['-H', 'Authorization: Bearer k-on', a.url + '/v1/models']).status, 401);
    assert.equal(curl(['-X', 'POST', '-d', body, '-H', 'Authorization: Bearer k-two', a.url + '/v1/completions']).status, 200);
    assert.equal(curl(['-X', 'POST', '-d', body, '-H', 'x-api-key: k-one', a.url + '/v1/completions']).status, 200);
    assert.equal(curl([a.url + '/health']).status, 200);
  } finally {
    assert.equal((await a.stop()).code, 0);
  }
});

test('OSPREY_* environment variables configure the server', async () => {
  const a = await startServer([], { OSPREY_PARALLEL: '3', OSPREY_ALIAS: 'storyteller', OSPREY_API_KEY: 'e1,e2' });
  try {
    const m = await fetch(a.url + '/v1/models', { headers: { authorization: 'Bearer e2' } }).then((r) => r.json());
    assert.equal(m.data[0].id, 'storyteller');
    const p = await fetch(a.url + '/props', { headers: { authorization: 'Bearer e1' } }).then((r) => r.json());
    assert.equal(p.total_slots, 3);
  } finally {
    await a.stop();
  }
});

test('SIGTERM ends an open stream cleanly and exits 0', async () => {
  const a = await startServer(['-np', '1']);
  const res = await fetch(a.url + '/v1/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'Once', max_tokens: 1000000, ignore_eos: true, stream: true }),
  });
  const reader = res.body.getReader();
  await reader.read();  // the stream is running
  a.proc.kill('SIGTERM');
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  const events = sseData(text);
  assert.ok(JSON.parse(events.at(-1)).error, 'the stream ends with an error event');
  const { code } = await a.exited;
  assert.equal(code, 0);
});

test('unknown flags are errors naming the flag; GPU flags only warn', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN, MODEL } = await import('./lib.mjs');
  const bad = spawnSync(BIN, ['serve', '-m', MODEL, '--frobnicate', '3'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--frobnicate/);
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const f of ['--host', '--port', '--ctx-size', '--parallel', '--threads-batch', '--batch-size', '--n-predict',
    '--alias', '--timeout', '--api-key', '--api-key-file', '--chat-template', '--chat-template-file',
    '--system-prompt-file', '--metrics', '--slots', '--path', '--cont-batching', '--temp', '--seed', '--log-disable',
    '-ngl', '-ts', '-mg'])
    assert.ok(help.stdout.includes(f), f);
  const g = await startServer(['-ngl', '99', '-mg', '0']);
  try {
    const warnings = g.log().split('\n').filter((l) => /GPU/.test(l));
    assert.equal(warnings.length, 1);
    assert.equal((await postJson(g.url + '/v1/completions', { prompt: 'x', max_tokens: 1 })).status, 200);
  } finally {
    await g.stop();
  }
});
