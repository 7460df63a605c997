// The official Anthropic Node SDK, unchanged, with the gateway as its base URL: POST /v1/messages
// for a model on an OpenAI-compatible backend (translated to a chat completion and back) and for
// one on an Anthropic backend (relayed), both on the same mock. A client sees the same message
// either way, non-streamed and through the SDK's stream helper.
//
// Run: INFERGATE_BIN=build/infergate LLM_MOCK_BIN=build/tools/llm-mock/llm-mock \
//        node --test tests/sdk/anthropic_sdk.test.mjs
// (after `npm ci --prefix tests/sdk`). ctest runs it as OpenAISdk.AnthropicSdkThroughTheGateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import Anthropic from '@anthropic-ai/sdk';

import { MOCK_REPLY, MOCK_REPLY_TOKENS, PROVIDER_BACKENDS, PROVIDER_MODELS, startStack } from './harness.mjs';

const SYSTEM = 'You are a deterministic test double.';
const MESSAGES = [{ role: 'user', content: 'Say something deterministic, please.' }];

let stack;
let client;

before(async () => {
    stack = await startStack({ backends: PROVIDER_BACKENDS, models: PROVIDER_MODELS });
    client = new Anthropic({ baseURL: stack.baseUrl, apiKey: 'sk-ant-test-gateway', maxRetries: 0, timeout: 10_000 });
});

after(async () => {
    await stack?.stop();
});

function assertMessage(message, model) {
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.match(message.id, /\S/, 'the message has an id');
    assert.deepEqual(message.content.map((block) => block.type), ['text'], JSON.stringify(message.content));
    assert.equal(message.content[0].text, MOCK_REPLY);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, MOCK_REPLY_TOKENS, JSON.stringify(message.usage));
    assert.ok(message.usage.input_tokens > 0, `input_tokens > 0: ${JSON.stringify(message.usage)}`);
    assert.ok(message.model, `a model name (${model})`);
}

const BACKEND_OF = { 'via-openai': 'mock', 'via-anthropic': 'claude' };

for (const [model, backend] of Object.entries(BACKEND_OF)) {
    describe(model, () => {
        test('messages.create returns the reply, stop_reason end_turn and usage', async () => {
            const { data: message, response } = await client.messages
                .create({ model, max_tokens: 256, system: SYSTEM, messages: MESSAGES }).withResponse();
            assert.equal(response.headers.get('x-infergate-backend'), backend, 'served by the backend under test');
            assertMessage(message, model);
        });

        test('the SDK stream helper reassembles the same message', async () => {
            const stream = client.messages.stream({ model, max_tokens: 256, system: SYSTEM, messages: MESSAGES });
            const deltas = [];
            const events = [];
            stream.on('text', (delta) => deltas.push(delta));
            stream.on('streamEvent', (event) => events.push(event.type));

            const final = await stream.finalMessage();
            assertMessage(final, model);
            assert.equal(await stream.finalText(), MOCK_REPLY);
            assert.ok(deltas.length > 1, `the text came in several deltas: ${JSON.stringify(deltas)}`);
            assert.equal(deltas.join(''), MOCK_REPLY);
            assert.equal(events[0], 'message_start');
            assert.equal(events.at(-1), 'message_stop');
            assert.ok(events.includes('message_delta'), `a message_delta event: ${events}`);
        });

        test('stream: true events carry the text deltas and the final usage', async () => {
            const stream = await client.messages.create({
                model, max_tokens: 256, system: SYSTEM, messages: MESSAGES, stream: true,
            });
            const events = [];
            for await (const event of stream) events.push(event);
            const text = events
                .filter((event) => event.type === 'content_block_delta' && event.delta.type === 'text_delta')
                .map((event) => event.delta.text).join('');
            assert.equal(text, MOCK_REPLY);
            const delta = events.find((event) => event.type === 'message_delta');
            assert.ok(delta, 'a message_delta event');
            assert.equal(delta.delta.stop_reason, 'end_turn');
            assert.equal(delta.usage.output_tokens, MOCK_REPLY_TOKENS, JSON.stringify(delta.usage));
        });

        test('messages.countTokens counts the prompt', async () => {
            const count = await client.messages.countTokens({ model, system: SYSTEM, messages: MESSAGES });
            assert.ok(Number.isInteger(count.input_tokens) && count.input_tokens > 0, JSON.stringify(count));
        });
    });
}

test('the translated and the relayed message have the same text and token counts', async () => {
    const answers = await Promise.all(Object.keys(BACKEND_OF).map(
        (model) => client.messages.create({ model, max_tokens: 256, system: SYSTEM, messages: MESSAGES })));
    const seen = answers.map((answer) => ({
        text: answer.content[0].text, stop_reason: answer.stop_reason, output_tokens: answer.usage.output_tokens,
    }));
    assert.deepEqual(seen[1], seen[0]);
});

test('an unknown model is a NotFoundError (404) in Anthropic\'s error shape', async () => {
    const request = client.messages.create({ model: 'no-such-model', max_tokens: 16, messages: MESSAGES });
    await assert.rejects(request, (error) => {
        assert.ok(error instanceof Anthropic.NotFoundError, `a NotFoundError: ${error}`);
        assert.equal(error.status, 404);
        assert.equal(error.error?.type, 'error', JSON.stringify(error.error));
        assert.equal(error.error?.error?.type, 'not_found_error', JSON.stringify(error.error));
        assert.match(error.error?.error?.message, /no-such-model/);
        return true;
    });
});

test('a model on a Gemini backend is a BadRequestError (400): it has no /v1/messages', async () => {
    const request = client.messages.create({ model: 'via-gemini', max_tokens: 16, messages: MESSAGES });
    await assert.rejects(request, (error) => {
        assert.ok(error instanceof Anthropic.BadRequestError, `a BadRequestError: ${error}`);
        assert.equal(error.status, 400);
        assert.equal(error.error?.error?.type, 'invalid_request_error', JSON.stringify(error.error));
        return true;
    });
});
