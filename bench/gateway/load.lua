-- wrk script: a unique chat completion body per request (thread id + counter), so no request is
-- a cache hit; prints one JSON line with the counts and the latency percentiles in microseconds.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  run = args[1] or "run"
end

function request()
  counter = counter + 1
  local body = '{"model":"gpt-4.1","max_tokens":64,"messages":[{"role":"user","content":"Review this Swift change ' ..
    run .. '-' .. tid .. '-' .. counter .. ': let total = items.reduce(0, +)"}]}'
  return wrk.format("POST", nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
