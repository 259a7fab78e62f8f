// `osprey serve` with stories260K driven by the official openai npm SDK (v6): completions and chat,
// streaming and not, usage, stop strings, n > 1, logprobs, seeds, auth and error classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, loadOpenAI, REFERENCE } from './lib.mjs';

const OpenAI = loadOpenAI();
let srv, client;
before(async () => {
  srv = await startServer(['-np', '4', '--api-key', 'sdk-key', '-a', 'stories']);
  client = new OpenAI({ baseURL: srv.url + '/v1', apiKey: 'sdk-key', maxRetries: 0, timeout: 60000 });
});
after(async () => { if (srv) await srv.stop(); });

test('models.list names the served model', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['stories']);
  const m = await client.models.retrieve('stories');
  assert.equal(m.id, 'stories');
});

test('completions.create: greedy reference text and usage', async () => {
  const r = await client.completions.create({ model: 'stories', prompt: REFERENCE.prompt, max_tokens: 64, temperature: 0 });
  assert.equal(r.choices[0].text, REFERENCE.continuation_text);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.prompt_tokens, REFERENCE.prompt_tokens.length);
  assert.equal(r.usage.completion_tokens, 64);
  assert.equal(r.usage.total_tokens, REFERENCE.prompt_tokens.length + 64);
  assert.match(r.id, /^cmpl-/);
});

test('completions stream: same text, usage chunk with include_usage', async () => {
  const stream = await client.completions.create({
    model: 'stories', prompt: REFERENCE.prompt, max_tokens: 64, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '', usage = null, finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(text, REFERENCE.continuation_text);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 64);
  assert.equal(usage.prompt_tokens, REFERENCE.prompt_tokens.length);
});

test('chat.completions: whole and streamed agree; usage; finish_reason', async () => {
  const messages = [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'A story about a cat' }];
  const whole = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 24, temperature: 0 });
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].message.role, 'assistant');
  assert.equal(whole.usage.completion_tokens, 24);
  assert.ok(whole.usage.prompt_tokens > 10);
  const stream = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '', usage = null, finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, 'length');
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) assert.equal(usage[k], whole.usage[k], k);
  // The second request reuses the first one's cached prompt.
  assert.equal(usage.prompt_tokens_details.cached_tokens, usage.prompt_tokens - 1);
});

test('stop strings: finish_reason stop and nothing of the stop string, streamed or not', async () => {
  const expect = REFERENCE.continuation_text.slice(0, REFERENCE.continuation_text.indexOf('Lily'));
  const params = { model: 'stories', prompt: REFERENCE.prompt, max_tokens: 64, temperature: 0, stop: ['Lily'] };
  const r = await client.completions.create(params);
  assert.equal(r.choices[0].text, expect);
  assert.equal(r.choices[0].finish_reason, 'stop');
  const stream = await client.completions.create({ ...params, stream: true });
  const seen = [];
  for await (const chunk of stream) for (const c of chunk.choices) seen.push(c.text);
  assert.equal(seen.join(''), expect);
});

test('n > 1 gives independent choices; the same seed gives the same choices', async () => {
  const params = { model: 'stories', messages: [{ role: 'user', content: 'Once' }], n: 3, max_tokens: 32,
    temperature: 1.0, seed: 1234 };
  const a = await client.chat.completions.create(params);
  assert.deepEqual(a.choices.map((c) => c.index), [0, 1, 2]);
  assert.ok(a.usage.completion_tokens >= 3 && a.usage.completion_tokens <= 96, String(a.usage.completion_tokens));
  const b = await client.chat.completions.create(params);
  assert.deepEqual(b.choices.map((c) => c.message.content), a.choices.map((c) => c.message.content));
  assert.ok(new Set(a.choices.map((c) => c.message.content)).size > 1, 'choices differ from one another');
});

test('seed reproducibility with sampling', async () => {
  const p = { model: 'stories', prompt: 'The dog', max_tokens: 48, temperature: 0.9, seed: 42 };
  const a = await client.completions.create(p);
  const b = await client.completions.create(p);
  assert.equal(a.choices[0].text, b.choices[0].text);
});

test('logprobs: chat top_logprobs and legacy completions logprobs', async () => {
  const chat = await client.chat.completions.create({
    model: 'stories', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, temperature: 0,
    logprobs: true, top_logprobs: 3,
  });
  const content = chat.choices[0].logprobs.content;
  assert.equal(content.length, 5);
  for (const t of content) {
    assert.ok(t.logprob <= 0);
    assert.equal(t.top_logprobs.length, 3);
    assert.equal(t.top_logprobs[0].token, t.token);  // greedy picks the most likely
    assert.ok(t.top_logprobs[0].logprob >= t.top_logprobs[1].logprob);
    assert.deepEqual(t.bytes, [...Buffer.from(t.token, 'utf8')]);
  }
  const comp = await client.completions.create({ model: 'stories', prompt: REFERENCE.prompt, max_tokens: 4, temperature: 0, logprobs: 2 });
  const lp = comp.choices[0].logprobs;
  assert.equal(lp.tokens.length, 4);
  assert.equal(lp.tokens.join(''), comp.choices[0].text);
  assert.equal(Object.keys(lp.top_logprobs[0]).length, 2);
  assert.equal(lp.text_offset[0], 0);
});

test('errors map to the SDK error classes', async () => {
  await assert.rejects(client.completions.create({ model: 'stories', prompt: 'x', temperature: 7 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /temperature/.test(e.message));
  await assert.rejects(client.completions.create({ model: 'nope', prompt: 'x' }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  const bad = new OpenAI({ baseURL: srv.url + '/v1', apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});
