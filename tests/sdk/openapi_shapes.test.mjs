// Response shapes against the OpenAI OpenAPI spec: raw HTTP requests to the real gateway (in
// front of the bundled mock server), every JSON body and every SSE chunk validated with ajv
// against the spec's component schemas, the gateway's own error bodies included.
//
// The spec is ../shared/openai/openapi.yaml beside the repository (OPENAI_OPENAPI_SPEC overrides
// the path); without it this file fails, it does not skip.
//
// Run: INFERGATE_BIN=build/infergate LLM_MOCK_BIN=build/tools/llm-mock/llm-mock \
//        node --test tests/sdk/openapi_shapes.test.mjs
// (after `npm ci --prefix tests/sdk`). ctest runs it as OpenAISdk.ResponsesMatchTheOpenAPISpec.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

import { DEMO_MODEL, hashKey, startStack } from './harness.mjs';

const SPEC_PATH = process.env.OPENAI_OPENAPI_SPEC ||
    fileURLToPath(new URL('../../../shared/openai/openapi.yaml', import.meta.url));
const SPEC_ID = 'https://infergate.test/openai-openapi.json';

const KEY = `sk-ig-shapes-CANARY${'5a17e0c4'.repeat(3)}`;
const LIMITED_KEY = `sk-ig-limited-CANARY${'0d9e3b61'.repeat(3)}`;
const MAX_BODY_BYTES = 4096;
const MESSAGES = [{ role: 'user', content: 'Say something deterministic, please.' }];

// ---------------------------------------------------------------------------------------------
// The spec as ajv schemas

// OpenAPI's `nullable: true` (this 3.1 spec still has it in places) is no JSON Schema keyword:
// rewrite it into what it means, a type or an alternative that admits null.
function withoutNullable(node) {
    if (Array.isArray(node)) return node.map(withoutNullable);
    if (node === null || typeof node !== 'object') return node;
    const { nullable, ...schema } = Object.fromEntries(
        Object.entries(node).map(([key, value]) => [key, withoutNullable(value)]));
    if (typeof nullable !== 'boolean') return nullable === undefined ? schema : { ...schema, nullable };
    if (!nullable) return schema;
    if (schema.type !== undefined) {
        const types = [schema.type].flat();
        if (!types.includes('null')) schema.type = [...types, 'null'];
        if (schema.enum && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
        return schema;
    }
    return { anyOf: [schema, { type: 'null' }] };
}

function loadSpec() {
    if (!existsSync(SPEC_PATH)) {
        throw new Error(`the OpenAI OpenAPI spec is missing: expected it at ${SPEC_PATH} ` +
                        '(../shared/openai/openapi.yaml beside the repository, or set OPENAI_OPENAPI_SPEC)');
    }
    const spec = YAML.parse(readFileSync(SPEC_PATH, 'utf8'));
    if (!spec?.components?.schemas) throw new Error(`${SPEC_PATH} has no components.schemas`);
    // JSON Schema 2020-12 is OpenAPI 3.1's dialect. Not strict: x-oaiMeta, example,
    // discriminator and friends are annotations here.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('unixtime', { type: 'number', validate: (value) => Number.isSafeInteger(value) && value >= 0 });
    ajv.addSchema({ $id: SPEC_ID, components: withoutNullable(spec.components) });
    return ajv;
}

let ajv;

function validator(name) {
    const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
    if (!validate) throw new Error(`the spec has no schema ${name}`);
    return validate;
}

function assertMatches(name, data) {
    const validate = validator(name);
    assert.ok(validate(data), `not a ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(data)}`);
}

// ---------------------------------------------------------------------------------------------
// Fixture: auth on (a key for everything, a key with one request a minute), a small body limit.

let stack;

before(async () => {
    ajv = loadSpec();
    stack = await startStack({
        server: `max_body_bytes: ${MAX_BODY_BYTES}`,
        extra: [
            'auth:',
            '  keys:',
            `    - { id: shapes, sha256: "${await hashKey(KEY)}" }`,
            `    - { id: limited, sha256: "${await hashKey(LIMITED_KEY)}", limits: { requests_per_minute: 1 } }`,
        ],
    });
});

after(async () => {
    await stack?.stop();
});

function send(path, { method = 'POST', key = KEY, body, headers = {} } = {}) {
    const auth = key ? { authorization: `Bearer ${key}` } : {};
    const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${stack.baseUrl}${path}`, {
        method,
        headers: { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: payload,
        signal: AbortSignal.timeout(10_000),
    });
}

// The parsed JSON body of a response with `status`.
async function json(response, status) {
    const text = await response.text();
    assert.equal(response.status, status, text);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/);
    return JSON.parse(text);
}

// The data of each SSE event of a 200 stream, which must end with [DONE].
async function events(response) {
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream\b/);
    const data = text.split(/\r?\n\r?\n/).filter((event) => event.trim() !== '').map((event) => {
        const lines = event.split(/\r?\n/).filter((line) => line.startsWith('data:'));
        return lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
    });
    assert.equal(data.at(-1), '[DONE]', text);
    return data.slice(0, -1).map((chunk) => JSON.parse(chunk));
}

// ---------------------------------------------------------------------------------------------
// The validator itself: it must be able to say no.

test('the spec schemas accept a known good body and reject broken ones', () => {
    const chunk = {
        id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm',
        choices: [{ index: 0, delta: { content: 'x' }, logprobs: null, finish_reason: null }],
    };
    assertMatches('CreateChatCompletionStreamResponse', chunk);  // nullable finish_reason, logprobs
    const validate = validator('CreateChatCompletionStreamResponse');
    assert.equal(validate({ ...chunk, choices: [{ ...chunk.choices[0], finish_reason: 'done' }] }), false);
    assert.equal(validate({ ...chunk, created: 'yesterday' }), false);
    const { choices, ...noChoices } = chunk;
    assert.equal(validate(noChoices), false);

    const error = { message: 'm', type: 't', param: null, code: null };
    assertMatches('ErrorResponse', { error });
    const { param, ...noParam } = error;
    assert.equal(validator('ErrorResponse')({ error: noParam }), false);
    // Through a $ref: a model in the list without owned_by.
    assert.equal(validator('ListModelsResponse')({ object: 'list', data: [{ id: 'x', object: 'model', created: 1 }] }), false);
});

// ---------------------------------------------------------------------------------------------
// Successful answers

test('a chat completion is a CreateChatCompletionResponse', async () => {
    const body = await json(await send('/v1/chat/completions', { body: { model: 'demo', messages: MESSAGES } }), 200);
    assertMatches('CreateChatCompletionResponse', body);
    assert.ok(body.usage, 'usage is there');
});

test('every chunk of a chat stream is a CreateChatCompletionStreamResponse, with and without usage', async () => {
    for (const streamOptions of [undefined, { include_usage: true }]) {
        const chunks = await events(await send('/v1/chat/completions', {
            body: { model: 'demo', messages: MESSAGES, stream: true, stream_options: streamOptions },
        }));
        assert.ok(chunks.length > 2, `several chunks, got ${chunks.length}`);
        for (const chunk of chunks) assertMatches('CreateChatCompletionStreamResponse', chunk);
        assert.equal(chunks.some((chunk) => chunk.usage), streamOptions !== undefined, 'usage chunk only when asked');
    }
});

// Streamed legacy completions are left out: the spec's finish_reason admits no null there, which
// every streamed chunk but the last carries at OpenAI too.
test('a legacy completion is a CreateCompletionResponse', async () => {
    const body = await json(await send('/v1/completions', { body: { model: 'demo', prompt: 'Say something.' } }), 200);
    assertMatches('CreateCompletionResponse', body);
});

test('embeddings are a CreateEmbeddingResponse', async () => {
    const body = await json(await send('/v1/embeddings', {
        body: { model: 'demo', input: ['first input', 'second input'], encoding_format: 'float' },
    }), 200);
    assertMatches('CreateEmbeddingResponse', body);
    assert.equal(body.data.length, 2);
});

test('the model list is a ListModelsResponse', async () => {
    const body = await json(await send('/v1/models', { method: 'GET' }), 200);
    assertMatches('ListModelsResponse', body);
    assert.deepEqual(body.data.map((model) => model.id), ['demo']);
});

// ---------------------------------------------------------------------------------------------
// Errors the gateway makes itself

// A request head announcing a body over the limit, on a raw socket: the gateway answers 413
// before reading the body and closes. (With a body sent, the close could reset the connection
// before the client has read the answer.)
async function oversizedRequest() {
    const socket = net.connect(new URL(stack.baseUrl).port, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer to the oversized request')));
    socket.end('POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n' +
               `Authorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n` +
               `Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`);
    let answer = '';
    for await (const bytes of socket) answer += bytes;
    const [head, body] = answer.split('\r\n\r\n', 2);
    return new Response(body, {
        status: Number(head.match(/^HTTP\/1\.1 (\d{3}) /)?.[1] ?? 599),
        headers: head.split('\r\n').slice(1).map((line) => line.split(/:\s*/, 2)),
    });
}

const ERRORS = [
    ['no key', 401, 'invalid_api_key', () => send('/v1/chat/completions', { key: null, body: { model: 'demo', messages: MESSAGES } })],
    ['unknown path', 404, 'unknown_url', () => send('/v1/no-such-endpoint', { method: 'GET' })],
    ['unknown model', 404, 'model_not_found', () => send('/v1/chat/completions', { body: { model: 'no-such-model', messages: MESSAGES } })],
    ['wrong method', 405, 'method_not_allowed', () => send('/v1/chat/completions', { method: 'GET' })],
    ['bad JSON', 400, 'invalid_json', () => send('/v1/chat/completions', { body: '{"model": "demo", ' })],
    ['not JSON', 415, 'unsupported_media_type', () => send('/v1/chat/completions', { body: 'hello', headers: { 'content-type': 'text/plain' } })],
    ['body over max_body_bytes', 413, 'request_too_large', oversizedRequest],
    ['upstream answered HTML', 502, 'upstream_invalid_response', () => send('/v1/chat/completions', {
        body: { model: 'demo', messages: MESSAGES }, headers: { 'x-mock-fault': 'html' },
    })],
];

for (const [what, status, code, request] of ERRORS) {
    test(`${what}: ${status} ${code} is an ErrorResponse`, async () => {
        const body = await json(await request(), status);
        assertMatches('ErrorResponse', body);
        assert.equal(body.error.code, code);
    });
}

test('over a rate limit: 429 rate_limit_exceeded is an ErrorResponse', async () => {
    const request = () => send('/v1/chat/completions', { key: LIMITED_KEY, body: { model: 'demo', messages: MESSAGES } });
    assertMatches('CreateChatCompletionResponse', await json(await request(), 200));
    const body = await json(await request(), 429);
    assertMatches('ErrorResponse', body);
    assert.equal(body.error.code, 'rate_limit_exceeded');
});
