// The official OpenAI Node SDK, unchanged, against the real gateway and the bundled mock server.
//
// Run: INFERGATE_BIN=build/infergate LLM_MOCK_BIN=build/tools/llm-mock/llm-mock \
//        node --test tests/sdk/openai_sdk.test.mjs
// (after `npm ci --prefix tests/sdk`). ctest runs it as OpenAISdk.WorksThroughTheGateway.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import OpenAI from 'openai';

import { startStack } from './harness.mjs';

const CLIENT_API_KEY = 'sk-canary-CLIENT-0b5e44d8';
const MESSAGES = [{ role: 'user', content: 'Say something deterministic, please.' }];
const PROMPT = 'Say something deterministic, please.';

// ---------------------------------------------------------------------------------------------
// Fixture: one mock + one gateway (auth off) for the whole file.

let stack;
let gateway;
let client;

before(async () => {
    stack = await startStack();
    gateway = stack.gateway;
    client = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: CLIENT_API_KEY, maxRetries: 0, timeout: 10_000 });
});

after(async () => {
    await stack?.stop();
});

// The non-streamed chat answer every streamed variant must reproduce.
function referenceChat() {
    return client.chat.completions.create({ model: 'demo', messages: MESSAGES });
}

function assertUsage(usage) {
    assert.ok(usage, 'usage is present');
    assert.ok(usage.prompt_tokens > 0, `prompt_tokens > 0: ${JSON.stringify(usage)}`);
    assert.ok(usage.completion_tokens > 0, `completion_tokens > 0: ${JSON.stringify(usage)}`);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

// ---------------------------------------------------------------------------------------------
// Chat completions

test('a non-streaming chat completion returns the reply, the upstream model name and usage', async () => {
    const completion = await referenceChat();
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'mock-model');
    assert.equal(completion.choices.length, 1);
    assert.equal(completion.choices[0].message.role, 'assistant');
    assert.match(completion.choices[0].message.content, /^mock reply\b/);
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assertUsage(completion.usage);
});

test('a streamed chat completion concatenates to the same text and ends with usage', async () => {
    const reference = await referenceChat();
    const stream = await client.chat.completions.create({
        model: 'demo', messages: MESSAGES, stream: true, stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    assert.ok(chunks.length > 2, `several chunks, got ${chunks.length}`);
    for (const chunk of chunks) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, 'mock-model');
    }
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, reference.choices[0].message.content);
    assert.ok(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop'), 'a chunk has finish_reason stop');

    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assertUsage(last.usage);
    assert.deepEqual(last.usage, reference.usage);
});

test('the SDK streaming helper assembles the same final completion', async () => {
    const reference = await referenceChat();
    const stream = client.chat.completions.stream({ model: 'demo', messages: MESSAGES });
    const deltas = [];
    stream.on('content', (delta) => deltas.push(delta));

    const final = await stream.finalChatCompletion();
    assert.equal(final.model, 'mock-model');
    assert.equal(final.choices[0].message.content, reference.choices[0].message.content);
    assert.equal(final.choices[0].finish_reason, 'stop');
    assert.equal(await stream.finalContent(), reference.choices[0].message.content);
    assert.equal(deltas.join(''), reference.choices[0].message.content);
});

// ---------------------------------------------------------------------------------------------
// Legacy completions

test('a non-streaming legacy completion returns the reply text and usage', async () => {
    const completion = await client.completions.create({ model: 'demo', prompt: PROMPT });
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.model, 'mock-model');
    assert.match(completion.choices[0].text, /^mock reply\b/);
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assertUsage(completion.usage);
});

test('a streamed legacy completion concatenates to the same text and ends with usage', async () => {
    const reference = await client.completions.create({ model: 'demo', prompt: PROMPT });
    const stream = await client.completions.create({
        model: 'demo', prompt: PROMPT, stream: true, stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    assert.ok(chunks.length > 2, `several chunks, got ${chunks.length}`);
    for (const chunk of chunks) assert.equal(chunk.model, 'mock-model');
    const text = chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('');
    assert.equal(text, reference.choices[0].text);
    assert.deepEqual(chunks.at(-1).usage, reference.usage);
});

// ---------------------------------------------------------------------------------------------
// Embeddings and models

test('embeddings for an array input come back one float vector per input', async () => {
    const input = ['first input', 'second input', 'third input'];
    const response = await client.embeddings.create({ model: 'demo', input, encoding_format: 'float' });
    assert.equal(response.object, 'list');
    assert.equal(response.model, 'mock-model');
    assert.equal(response.data.length, input.length);
    response.data.forEach((item, i) => {
        assert.equal(item.index, i);
        assert.ok(Array.isArray(item.embedding) && item.embedding.length > 0, 'embedding is a non-empty array');
        for (const value of item.embedding) assert.ok(Number.isFinite(value), `embedding value ${value} is a number`);
    });
    assert.ok(response.usage.prompt_tokens > 0);
});

// The SDK asks for encoding_format "base64" unless told otherwise and decodes the strings it gets;
// the gateway passes the field and the base64 answer through unchanged.
test('embeddings with the SDK default encoding (base64) decode to the same vectors', async () => {
    const input = ['first input', 'second input'];
    const floats = await client.embeddings.create({ model: 'demo', input, encoding_format: 'float' });
    const decoded = await client.embeddings.create({ model: 'demo', input });
    assert.equal(decoded.data.length, input.length);
    decoded.data.forEach((item, i) => {
        const expected = floats.data[i].embedding;
        assert.equal(item.embedding.length, expected.length);
        // base64 carries float32: equal to float32 precision.
        item.embedding.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) < 1e-6, `${value} ~ ${expected[k]}`));
    });
});

test('the model list yields the configured model "demo"', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes('demo'), `model ids: ${JSON.stringify(ids)}`);
});

// ---------------------------------------------------------------------------------------------
// Errors

test('an unknown model makes the SDK throw NotFoundError with code model_not_found', async () => {
    await assert.rejects(
        client.chat.completions.create({ model: 'no-such-model', messages: MESSAGES }),
        (error) => {
            assert.ok(error instanceof OpenAI.NotFoundError, `got ${error?.constructor?.name}: ${error}`);
            assert.equal(error.status, 404);
            assert.equal(error.code, 'model_not_found');
            assert.equal(error.type, 'invalid_request_error');
            return true;
        });
});

test('a body the gateway rejects makes the SDK throw BadRequestError', async () => {
    await assert.rejects(
        client.chat.completions.create({ model: 'demo', messages: MESSAGES, max_tokens: -1 }),
        (error) => {
            assert.ok(error instanceof OpenAI.BadRequestError, `got ${error?.constructor?.name}: ${error}`);
            assert.equal(error.status, 400);
            assert.equal(error.param, 'max_tokens');
            assert.equal(error.type, 'invalid_request_error');
            return true;
        });
});

// ---------------------------------------------------------------------------------------------
// Secrets (last: it stops the gateway so that every buffered log line is flushed)

test("the client's API key never appears in the gateway's output", async () => {
    await gateway.stop();
    assert.match(gateway.stdout, /chat\/completions/, `the access log was collected\n${gateway.describe()}`);
    assert.ok(!gateway.output.includes(CLIENT_API_KEY), `the key leaked\n${gateway.describe()}`);
    assert.ok(!gateway.output.includes('0b5e44d8'), `part of the key leaked\n${gateway.describe()}`);
});
