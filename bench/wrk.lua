-- wrk script of the benchmark: one endpoint, bounded in time (wrk -d) and in count (BENCH_MAX_REQUESTS).
-- BENCH_METHOD, BENCH_PATH, BENCH_AUTH (an Authorization header value or empty), BENCH_CONTENT_TYPE and
-- BENCH_BODIES (files, separated by ";", sent in turn) describe the request. done() prints one JSON line.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local auth = os.getenv("BENCH_AUTH") or ""
local content_type = os.getenv("BENCH_CONTENT_TYPE") or "application/vnd.api+json"
local accept = os.getenv("BENCH_ACCEPT") or "application/vnd.api+json"
local max_requests = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "200000")

-- globals, not locals: done() reads them from each thread with thread:get()
requests = {}
sent = 0
received, queries, not_2xx = 0, 0, 0
threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local headers = { ["Accept"] = accept }
  if auth ~= "" then headers["Authorization"] = auth end
  local bodies = {}
  for file in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^;]+") do
    local f = assert(io.open(file, "rb"))
    table.insert(bodies, f:read("*a"))
    f:close()
  end
  if #bodies == 0 then
    table.insert(requests, wrk.format(method, path, headers, nil))
  else
    headers["Content-Type"] = content_type
    for _, body in ipairs(bodies) do
      table.insert(requests, wrk.format(method, path, headers, body))
    end
  end
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  received = received + 1
  queries = queries + (tonumber(headers["X-Query-Count"]) or 0)
  if status < 200 or status > 299 then not_2xx = not_2xx + 1 end
  if received >= max_requests then wrk.thread:stop() end
end

function done(summary, latency, requests_)
  local total_queries, total_received, total_not_2xx = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_queries = total_queries + thread:get("queries")
    total_received = total_received + thread:get("received")
    total_not_2xx = total_not_2xx + thread:get("not_2xx")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "received": %d, "queries": %d, "not_2xx": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, total_received, total_queries, total_not_2xx,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
