// The official OpenAI Node SDK, unchanged, against models the gateway serves from three kinds of
// backend on the same mock: OpenAI-compatible (passed through), Anthropic Messages and Gemini
// (both translated). Whatever the provider, a client sees the same chat completion: the same
// text, non-streamed, streamed and through the SDK's streaming helper, the same finish_reason and
// the same usage. A provider's error comes back as the gateway's OpenAI error.
//
// Run: INFERGATE_BIN=build/infergate LLM_MOCK_BIN=build/tools/llm-mock/llm-mock \
//        node --test tests/sdk/providers.test.mjs
// (after `npm ci --prefix tests/sdk`). ctest runs it as OpenAISdk.SameAnswerFromEveryProvider.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import OpenAI from 'openai';

import { MOCK_REPLY, MOCK_REPLY_TOKENS, PROVIDER_BACKENDS, PROVIDER_MODELS, startStack } from './harness.mjs';

const MESSAGES = [
    { role: 'system', content: 'You are a deterministic test double.' },
    { role: 'user', content: 'Say something deterministic, please.' },
];

let stack;
let client;

before(async () => {
    stack = await startStack({ backends: PROVIDER_BACKENDS, models: PROVIDER_MODELS });
    client = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: 'sk-test-providers', maxRetries: 0, timeout: 10_000 });
});

after(async () => {
    await stack?.stop();
});

function assertUsage(usage, where) {
    assert.ok(usage, `${where}: usage is present`);
    assert.equal(usage.completion_tokens, MOCK_REPLY_TOKENS, `${where}: ${JSON.stringify(usage)}`);
    assert.ok(usage.prompt_tokens > 0, `${where}: prompt_tokens > 0: ${JSON.stringify(usage)}`);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens, where);
}

const BACKEND_OF = { 'via-openai': 'mock', 'via-anthropic': 'claude', 'via-gemini': 'gem' };

for (const [model, backend] of Object.entries(BACKEND_OF)) {
    describe(model, () => {
        test('a non-streamed chat completion has the reply, finish_reason stop and usage', async () => {
            const { data: completion, response } = await client.chat.completions
                .create({ model, messages: MESSAGES }).withResponse();
            assert.equal(response.headers.get('x-infergate-backend'), backend, 'served by the provider under test');
            assert.equal(completion.object, 'chat.completion');
            assert.equal(completion.choices.length, 1);
            assert.equal(completion.choices[0].message.role, 'assistant');
            assert.equal(completion.choices[0].message.content, MOCK_REPLY);
            assert.equal(completion.choices[0].finish_reason, 'stop');
            assertUsage(completion.usage, 'completion');
        });

        test('the SDK streaming helper reassembles the same text', async () => {
            const stream = client.chat.completions.stream({
                model, messages: MESSAGES, stream_options: { include_usage: true },
            });
            const deltas = [];
            stream.on('content', (delta) => deltas.push(delta));

            const final = await stream.finalChatCompletion();
            assert.equal(final.choices.length, 1);
            assert.equal(final.choices[0].message.role, 'assistant');
            assert.equal(final.choices[0].message.content, MOCK_REPLY);
            assert.equal(final.choices[0].finish_reason, 'stop');
            assert.equal(await stream.finalContent(), MOCK_REPLY);
            assert.ok(deltas.length > 1, `the text came in several deltas: ${JSON.stringify(deltas)}`);
            assert.equal(deltas.join(''), MOCK_REPLY);
            assertUsage(final.usage, 'helper final completion');
            assertUsage(await stream.totalUsage(), 'helper totalUsage');
        });

        test('stream: true chunks concatenate to the same text and end with usage', async () => {
            const stream = await client.chat.completions.create({
                model, messages: MESSAGES, stream: true, stream_options: { include_usage: true },
            });
            const chunks = [];
            for await (const chunk of stream) chunks.push(chunk);

            assert.ok(chunks.length > 2, `several chunks, got ${chunks.length}`);
            const ids = new Set();
            for (const chunk of chunks) {
                assert.equal(chunk.object, 'chat.completion.chunk');
                ids.add(chunk.id);
            }
            assert.equal(ids.size, 1, `one id for the whole stream: ${[...ids]}`);
            const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
            assert.equal(text, MOCK_REPLY);
            const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason);
            assert.deepEqual(finishes, ['stop'], 'exactly one chunk finishes, with stop');

            const last = chunks.at(-1);
            assert.deepEqual(last.choices, []);
            assertUsage(last.usage, 'usage chunk');
        });

        test('without stream_options.include_usage a stream has no usage chunk', async () => {
            const stream = await client.chat.completions.create({ model, messages: MESSAGES, stream: true });
            const chunks = [];
            for await (const chunk of stream) chunks.push(chunk);
            assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), MOCK_REPLY);
            for (const chunk of chunks) {
                assert.ok(chunk.choices.length === 1, `every chunk has its choice: ${JSON.stringify(chunk)}`);
                assert.ok(!chunk.usage, `no usage: ${JSON.stringify(chunk)}`);
            }
        });
    });
}

test('the three providers give the same completion text and token counts', async () => {
    const answers = await Promise.all(Object.keys(BACKEND_OF).map(
        (model) => client.chat.completions.create({ model, messages: MESSAGES })));
    const seen = answers.map((answer) => ({
        content: answer.choices[0].message.content,
        finish_reason: answer.choices[0].finish_reason,
        completion_tokens: answer.usage.completion_tokens,
    }));
    assert.deepEqual(seen[1], seen[0]);
    assert.deepEqual(seen[2], seen[0]);
});

test('an overloaded Anthropic backend (529) is a 503 APIError to the OpenAI SDK', async () => {
    const request = client.chat.completions.create(
        { model: 'via-anthropic', messages: MESSAGES },
        { headers: { 'x-mock-status': '529' } });
    await assert.rejects(request, (error) => {
        assert.ok(error instanceof OpenAI.APIError, `an APIError: ${error}`);
        assert.equal(error.status, 503);
        assert.equal(error.code, 'provider_overloaded');
        return true;
    });
});

test('an overloaded Anthropic backend (529) on a stream is a 503 APIError before any chunk', async () => {
    const chunks = [];
    const run = async () => {
        const stream = await client.chat.completions.create(
            { model: 'via-anthropic', messages: MESSAGES, stream: true },
            { headers: { 'x-mock-status': '529' } });
        for await (const chunk of stream) chunks.push(chunk);
    };
    await assert.rejects(run, (error) => {
        assert.ok(error instanceof OpenAI.APIError, `an APIError: ${error}`);
        assert.equal(error.status, 503);
        return true;
    });
    assert.deepEqual(chunks, []);
});
