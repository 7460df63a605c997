// What every test file in tests/sdk shares: the real gateway and the bundled mock server as
// child processes, their output collected, a fresh config per run.
//
// The binaries come from INFERGATE_BIN and LLM_MOCK_BIN (ctest sets both).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const READY_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Child processes: spawn, collect stdout/stderr, wait for a line, stop.

export class Child {
    constructor(name, bin, args) {
        this.name = name;
        this.stdout = '';
        this.stderr = '';
        this.process = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.process.stdout.setEncoding('utf8').on('data', (text) => { this.stdout += text; });
        this.process.stderr.setEncoding('utf8').on('data', (text) => { this.stderr += text; });
        this.exited = new Promise((resolve) => {
            this.process.on('error', (error) => { this.stderr += `spawn failed: ${error.message}\n`; resolve(-1); });
            this.process.on('close', (code, signal) => resolve(signal ?? code));
        });
        this.exitStatus = undefined;
        this.exited.then((status) => { this.exitStatus = status; });
    }

    get running() { return this.exitStatus === undefined; }
    get output() { return this.stdout + this.stderr; }

    describe() {
        return `${this.name} (exit: ${this.exitStatus ?? 'running'})\n` +
               `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`;
    }

    // Resolves with the first match of `pattern` in stdout; rejects on exit or timeout.
    async waitForStdout(pattern, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const match = this.stdout.match(pattern);
            if (match) return match;
            if (!this.running) throw new Error(`${this.name} exited before printing ${pattern}\n${this.describe()}`);
            if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern}\n${this.describe()}`);
            await sleep(20);
        }
    }

    // SIGTERM, then SIGKILL if it is still there after 5 s. Resolves once the pipes are drained.
    async stop() {
        if (this.running) {
            this.process.kill('SIGTERM');
            const killer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
            await this.exited;
            clearTimeout(killer);
        }
        return this.exitStatus;
    }
}

// Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (undefined).
// For what the gateway does after the response is written: access log lines, metrics.
export async function eventually(probe, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) return undefined;
        await sleep(20);
    }
}

async function freePort() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
    server.close();
    await once(server, 'close');
    return port;
}

async function waitUntilReady(child, baseUrl) {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (child.running && Date.now() < deadline) {
        try {
            const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
            await response.arrayBuffer();
            if (response.status === 200) return true;
        } catch {
            // not listening yet
        }
        await sleep(50);
    }
    return false;
}

function requiredEnv(name) {
    const value = process.env[name];
    if (!value) throw new Error(`set ${name} to the path of the built binary`);
    return value;
}

// The SHA-256 that goes into auth.keys, from `infergate hash-key` as an operator would get it.
export async function hashKey(key) {
    const run = promisify(execFile)(requiredEnv('INFERGATE_BIN'), ['hash-key']);
    run.child.stdin.end(key);
    const { stdout } = await run;
    const hash = stdout.trim();
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`infergate hash-key printed ${JSON.stringify(stdout)}`);
    return hash;
}

async function startMock() {
    const mock = new Child('llm-mock', requiredEnv('LLM_MOCK_BIN'), ['--listen', '127.0.0.1:0']);
    const [, port] = await mock.waitForStdout(/llm-mock listening on http:\/\/127\.0\.0\.1:(\d+)/, READY_TIMEOUT_MS);
    return { mock, mockPort: Number(port) };
}

export const DEMO_MODEL = '  demo: { targets: [ { backend: mock, model: mock-model } ] }';

// The config every test gateway shares (one worker, JSON access log on stdout, the mock as
// backend `mock`), plus `server` keys (YAML flow text), more `backends` (a function of the mock's
// url giving lines, e.g. other providers on the same mock), `models` lines and top-level `extra`
// lines.
function configText(port, mockPort, { server = '', backends = () => [], models = [DEMO_MODEL], extra = [] }) {
    return [
        `server: { listen: "127.0.0.1:${port}", workers: 1${server ? `, ${server}` : ''} }`,
        'log: { level: warn, access_log: { format: json, path: stdout } }',
        'backends:',
        `  mock: { url: "http://127.0.0.1:${mockPort}", provider: openai }`,
        ...backends(`http://127.0.0.1:${mockPort}`),
        'models:',
        ...models,
        ...extra,
        '',
    ].join('\n');
}

// Starts the gateway on a free port; retries with another port if it exits (port taken meanwhile).
async function startGateway(configDir, mockPort, options) {
    const bin = requiredEnv('INFERGATE_BIN');
    const failures = [];
    for (let attempt = 1; attempt <= 3; ++attempt) {
        const port = await freePort();
        const configPath = path.join(configDir, 'infergate.yaml');
        await writeFile(configPath, configText(port, mockPort, options));
        const gateway = new Child('infergate', bin, ['--config', configPath]);
        const baseUrl = `http://127.0.0.1:${port}`;
        if (await waitUntilReady(gateway, baseUrl)) return { gateway, baseUrl };
        await gateway.stop();
        failures.push(`attempt ${attempt}, port ${port}: ${gateway.describe()}`);
    }
    throw new Error(`infergate never answered GET /readyz with 200\n${failures.join('\n')}`);
}

// One mock and one gateway in front of it, with the config `options` describe (see configText).
export async function startStack(options = {}) {
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'infergate-sdk-'));
    const stack = {
        configDir,
        async stop() {
            await this.gateway?.stop();
            await this.mock?.stop();
            await rm(configDir, { recursive: true, force: true });
        },
    };
    try {
        const { mock, mockPort } = await startMock();
        stack.mock = mock;
        Object.assign(stack, await startGateway(configDir, mockPort, options));
    } catch (error) {
        await stack.stop();
        throw error;
    }
    return stack;
}

// The access log line of one request (by its x-request-id), once the gateway has written it.
export function accessLogLine(gateway, requestId) {
    return eventually(() => gateway.stdout.split('\n')
        .filter((line) => line.includes(requestId))
        .map((line) => JSON.parse(line))
        .find((record) => record.request_id === requestId));
}

// The same mock behind each provider the gateway speaks to: `mock` (OpenAI-compatible, from
// configText), `claude` (Anthropic Messages) and `gem` (Gemini), with one public model each.
// For startStack({ backends: PROVIDER_BACKENDS, models: PROVIDER_MODELS }).
export const PROVIDER_BACKENDS = (mockUrl) => [
    `  claude: { url: "${mockUrl}", provider: anthropic }`,
    `  gem: { url: "${mockUrl}", provider: gemini }`,
];
export const PROVIDER_MODELS = [
    '  via-openai: { targets: [ { backend: mock, model: mock-model } ] }',
    '  via-anthropic: { targets: [ { backend: claude, model: mock-model } ] }',
    '  via-gemini: { targets: [ { backend: gem, model: mock-model } ] }',
];

// What the mock answers by default (8 words), whichever API it speaks.
export const MOCK_REPLY = 'mock reply 1 2 3 4 5 6';
export const MOCK_REPLY_TOKENS = 8;
