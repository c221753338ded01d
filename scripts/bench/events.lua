-- wrk script: POST /v1/events with batches of 500 new events (unique uuids per request).
-- Usage: wrk -t2 -c8 -d15s -s scripts/bench/events.lua http://127.0.0.1:8080
local threads = {}
local template
local counter = 0

setup = function(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  local parts = {}
  for i = 1, 500 do
    local kind = i % 5
    local event
    if kind == 0 then
      event = string.format('{"uuid":"RRRRRRRR-0000-4000-8000-%012x","event":"support_ticket_resolved","unit":"user-%d","timestamp":"2026-06-01T10:00:00Z"}', i, i)
    else
      event = string.format('{"uuid":"RRRRRRRR-0000-4000-8000-%012x","event":"llm_request_completed","unit":"user-%d","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":%d,"input_tokens":812,"output_tokens":304,"estimated_cost_usd":0.00041,"model":"gpt-4.1-mini","prompt_version_id":"pv_2026_06_04_003","status":"success","trace_id":"t-%d"}}', i, i, 400 + i, i)
    end
    parts[#parts + 1] = event
  end
  template = "[" .. table.concat(parts, ",") .. "]"
end

request = function()
  counter = counter + 1
  local prefix = string.format("%02x%06x", (thread_id or 0) % 256, counter % 16777216)
  local body = string.gsub(template, "RRRRRRRR", prefix)
  return wrk.format("POST", "/v1/events",
    {["Authorization"] = "Bearer " .. os.getenv("RAMPART_SDK_KEY"), ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local ok = summary.requests - failed
  io.write(string.format("events/s: %.0f (%d accepted requests × 500 events in %.1f s; %d failed)\n",
    ok * 500 / (summary.duration / 1e6), ok, summary.duration / 1e6, failed))
end
