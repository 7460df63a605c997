// The official OpenAI Node SDK, unchanged, against a gateway with virtual API keys and limits:
// the SDK's own error classes for 401, 404 and 429, the headers it exposes, per-key model lists,
// and the stream usage chunk the gateway asks for itself.
//
// Run: INFERGATE_BIN=build/infergate LLM_MOCK_BIN=build/tools/llm-mock/llm-mock \
//        node --test tests/sdk/auth_quota.test.mjs
// (after `npm ci --prefix tests/sdk`). ctest runs it as OpenAISdk.AuthAndQuotaErrors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import OpenAI from 'openai';

import { DEMO_MODEL, accessLogLine, hashKey, startStack } from './harness.mjs';

const MESSAGES = [{ role: 'user', content: 'Say something deterministic, please.' }];

// Canary keys: a fresh secret every run, so finding one in the gateway's output is a leak.
function canaryKey(id) {
    return `sk-ig-${id}-CANARY${randomBytes(12).toString('hex')}`;
}

const KEYS = {
    alice: canaryKey('alice'),      // models demo*, a token limit (so the gateway needs usage)
    root: canaryKey('root'),        // every model, no limits
    limited: canaryKey('limited'),  // one request per minute
    spender: canaryKey('spender'),  // a $0.02 daily budget on the priced model
};
const UNKNOWN_KEY = canaryKey('alice');  // well-formed, never configured

// Output at $1000 per 1M tokens = $0.001 a token. A request with max_tokens 10 reserves $0.01;
// the mock answers 8 completion tokens ($0.008). Two requests fit $0.02, a third does not.
const BUDGET_MAX_TOKENS = 10;
const MOCK_COMPLETION_TOKENS = 8;

let stack;
let gateway;

async function accessConfig() {
    const hashes = Object.fromEntries(
        await Promise.all(Object.entries(KEYS).map(async ([id, key]) => [id, await hashKey(key)])));
    return {
        models: [
            DEMO_MODEL,
            '  demo-mini: { targets: [ { backend: mock, model: mock-mini } ] }',
            '  private: { targets: [ { backend: mock, model: mock-model } ] }',
            '  priced:',
            '    targets: [ { backend: mock, model: mock-model } ]',
            '    pricing: { input_per_1m: 0, output_per_1m: 1000 }',
        ],
        extra: [
            'auth:',
            '  keys:',
            `    - { id: alice, sha256: "${hashes.alice}", models: ["demo*"], limits: { tokens_per_minute: 1000000 } }`,
            `    - { id: root, sha256: "${hashes.root}" }`,
            `    - { id: limited, sha256: "${hashes.limited}", models: [demo], limits: { requests_per_minute: 1 } }`,
            `    - { id: spender, sha256: "${hashes.spender}", models: [priced], limits: { budget_usd_per_day: 0.02 } }`,
        ],
    };
}

before(async () => {
    stack = await startStack(await accessConfig());
    gateway = stack.gateway;
});

after(async () => {
    await stack?.stop();
});

// No retries: a 429 must reach the test as the SDK's error, not as a delayed second attempt.
function clientWith(apiKey, options = {}) {
    return new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey, maxRetries: 0, timeout: 10_000, ...options });
}

function chat(client, body = {}) {
    return client.chat.completions.create({ model: 'demo', messages: MESSAGES, ...body });
}

// Asserts that `promise` rejects with the SDK's `errorClass` carrying status, code and type.
async function assertSdkError(promise, errorClass, { status, code, type }) {
    let caught;
    await assert.rejects(promise, (error) => {
        assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${error?.constructor?.name}: ${error}`);
        assert.equal(error.status, status);
        assert.equal(error.code, code);
        assert.equal(error.type, type);
        caught = error;
        return true;
    });
    return caught;
}

async function collect(stream) {
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
}

// ---------------------------------------------------------------------------------------------
// 401

test('an unknown key makes the SDK throw AuthenticationError with code invalid_api_key', async () => {
    const client = clientWith(UNKNOWN_KEY);
    const error = await assertSdkError(chat(client), OpenAI.AuthenticationError,
        { status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    assert.equal(error.headers.get('www-authenticate'), 'Bearer');
    assert.ok(!error.message.includes(UNKNOWN_KEY), `the key is not echoed: ${error.message}`);

    await assertSdkError(client.models.list(), OpenAI.AuthenticationError,
        { status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
});

test('a request without a key makes the SDK throw AuthenticationError', async () => {
    // The SDK insists on an apiKey; a null default header removes the Authorization it sends.
    const client = clientWith('unused', { defaultHeaders: { Authorization: null } });
    await assertSdkError(chat(client), OpenAI.AuthenticationError,
        { status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
});

// ---------------------------------------------------------------------------------------------
// 404 and model lists

async function listedIds(client) {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    return ids.sort();
}

test('a key lists only its models and gets NotFoundError for the others', async () => {
    // The model exists: a key allowed every model lists and calls it.
    const root = clientWith(KEYS.root);
    assert.deepEqual(await listedIds(root), ['demo', 'demo-mini', 'priced', 'private']);
    assert.match((await chat(root, { model: 'private' })).choices[0].message.content, /^mock reply\b/);

    const alice = clientWith(KEYS.alice);
    assert.deepEqual(await listedIds(alice), ['demo', 'demo-mini']);
    assert.equal((await chat(alice, { model: 'demo-mini' })).model, 'mock-mini');
    const error = await assertSdkError(chat(alice, { model: 'private' }), OpenAI.NotFoundError,
        { status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    assert.equal(error.param, 'model');
});

// ---------------------------------------------------------------------------------------------
// 429

test('a key over its requests per minute gets RateLimitError with Retry-After and x-ratelimit-*', async () => {
    const client = clientWith(KEYS.limited);
    const { data: first, response } = await chat(client).withResponse();
    assert.match(first.choices[0].message.content, /^mock reply\b/);
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1');
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '0');

    const error = await assertSdkError(chat(client), OpenAI.RateLimitError,
        { status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_exceeded' });
    assert.match(error.message, /key 'limited'/);
    assert.match(error.message, /requests per minute/);
    const retryAfter = error.headers.get('retry-after');
    assert.match(retryAfter ?? '', /^\d+$/, `retry-after: ${retryAfter}`);
    assert.ok(Number(retryAfter) >= 1, `retry-after: ${retryAfter}`);
    assert.equal(error.headers.get('x-ratelimit-limit-requests'), '1');
    assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(error.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+(h|m|s|ms))+$/);
});

test('a key whose daily budget is spent gets RateLimitError with code insufficient_quota', async () => {
    const client = clientWith(KEYS.spender);
    const body = { model: 'priced', max_tokens: BUDGET_MAX_TOKENS };
    for (let i = 0; i < 2; ++i) {
        const completion = await chat(client, body);
        assert.equal(completion.usage.completion_tokens, MOCK_COMPLETION_TOKENS, 'the budget arithmetic above holds');
    }
    const error = await assertSdkError(chat(client, body), OpenAI.RateLimitError,
        { status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
    assert.match(error.message, /key 'spender'/);
    assert.match(error.message, /USD budget per day/);
    assert.match(error.headers.get('retry-after') ?? '', /^\d+$/);
});

// ---------------------------------------------------------------------------------------------
// A valid key: chat and streams, usage only when asked for

test('a valid key gets a chat completion with usage', async () => {
    const completion = await chat(clientWith(KEYS.alice));
    assert.equal(completion.object, 'chat.completion');
    assert.match(completion.choices[0].message.content, /^mock reply\b/);
    assert.equal(completion.usage.completion_tokens, MOCK_COMPLETION_TOKENS);
    assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
});

test('a stream without include_usage has no usage chunk, though the gateway counted its usage', async () => {
    const client = clientWith(KEYS.alice);
    const reference = await chat(client);
    const { data: stream, response } = await chat(client, { stream: true }).withResponse();
    const chunks = await collect(stream);

    assert.ok(chunks.length > 2, `several chunks, got ${chunks.length}`);
    for (const chunk of chunks) {
        assert.ok(chunk.usage == null, `no usage in ${JSON.stringify(chunk)}`);
        assert.equal(chunk.choices.length, 1, `every chunk has its choice: ${JSON.stringify(chunk)}`);
    }
    const text = chunks.map((chunk) => chunk.choices[0].delta?.content ?? '').join('');
    assert.equal(text, reference.choices[0].message.content);

    // The gateway asked the upstream for usage (its token limit needs it) and settled with it.
    const requestId = response.headers.get('x-request-id');
    const record = await accessLogLine(gateway, requestId);
    assert.ok(record, `access log line for ${requestId}\n${gateway.describe()}`);
    assert.equal(record.key_id, 'alice');
    assert.equal(record.completion_tokens, reference.usage.completion_tokens);
});

test('a stream with include_usage ends with the usage chunk', async () => {
    const client = clientWith(KEYS.alice);
    const reference = await chat(client);
    const chunks = await collect(await chat(client, { stream: true, stream_options: { include_usage: true } }));

    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, reference.usage);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, reference.choices[0].message.content);
});

// ---------------------------------------------------------------------------------------------
// Secrets (last: it stops the gateway so that every buffered log line is flushed)

test("no key, nor the secret part of one, appears in the gateway's output", async () => {
    await gateway.stop();
    for (const id of Object.keys(KEYS)) {
        assert.ok(gateway.stdout.includes(`"key_id":"${id}"`), `the access log was collected\n${gateway.describe()}`);
    }
    for (const key of [...Object.values(KEYS), UNKNOWN_KEY]) {
        const secret = key.slice(key.lastIndexOf('-') + 1);
        assert.ok(!gateway.output.includes(secret), `${key} leaked\n${gateway.describe()}`);
    }
});
