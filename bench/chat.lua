-- wrk script for bench/run.sh: POSTs an OpenAI chat request and prints one machine-readable
-- summary line at the end. Set by the environment:
--   BENCH_MODEL      model name in the body (default "demo")
--   BENCH_STREAM     "1" for "stream": true
--   BENCH_CHUNKS     x-mock-chunks header (words / stream chunks), if set
--   BENCH_DELAY_MS   x-mock-delay-ms header (pause before each streamed chunk), if set
--   BENCH_HEADERS    extra headers, "name: value" pairs separated by "|" (Portkey's routing)

local model = os.getenv("BENCH_MODEL") or "demo"
local stream = os.getenv("BENCH_STREAM") == "1"

wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format(
    '{"model":"%s","messages":[{"role":"user","content":"Say hello in eight words."}]%s}',
    model, stream and ',"stream":true' or "")

local chunks = os.getenv("BENCH_CHUNKS")
if chunks and chunks ~= "" then wrk.headers["x-mock-chunks"] = chunks end
local delay = os.getenv("BENCH_DELAY_MS")
if delay and delay ~= "" then wrk.headers["x-mock-delay-ms"] = delay end
local extra = os.getenv("BENCH_HEADERS")
if extra and extra ~= "" then
    for pair in string.gmatch(extra, "[^|]+") do
        local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
        if name then wrk.headers[name] = value end
    end
end

-- Latencies are in microseconds; duration too.
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d "
            .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.connect, e.read, e.write, e.status, e.timeout))
end
