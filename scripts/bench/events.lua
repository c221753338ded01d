-- wrk script: POST /v1/events with batches of 500 new events. Every uuid starts with 48 random bits (like the
-- random v4 uuids of real clients, so the uuid ledger is written at random places) and ends with the event's index.
-- Usage: wrk -t2 -c8 -d15s -s scripts/bench/events.lua http://127.0.0.1:8080
local threads = {}
local template

setup = function(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  math.randomseed(os.time() * 100 + (thread_id or 0))
  local parts = {}
  for i = 1, 500 do
    local kind = i % 5
    local event
    if kind == 0 then
      event = string.format('{"uuid":"RRRRRRRR-RRRR-4000-8000-%012x","event":"support_ticket_resolved","unit":"user-%d","timestamp":"2026-06-01T10:00:00Z"}', i, i)
    else
      event = string.format('{"uuid":"RRRRRRRR-RRRR-4000-8000-%012x","event":"llm_request_completed","unit":"user-%d","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":%d,"input_tokens":812,"output_tokens":304,"estimated_cost_usd":0.00041,"model":"gpt-4.1-mini","prompt_version_id":"pv_2026_06_04_003","status":"success","trace_id":"t-%d"}}', i, i, 400 + i, i)
    end
    parts[#parts + 1] = event
  end
  template = "[" .. table.concat(parts, ",") .. "]"
end

request = function()
  local body = string.gsub(template, "RRRRRRRR%-RRRR", function()
    return string.format("%08x-%04x", math.random(0, 0x7fffffff), math.random(0, 0xffff))
  end)
  return wrk.format("POST", "/v1/events",
    {["Authorization"] = "Bearer " .. os.getenv("RAMPART_SDK_KEY"), ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local ok = summary.requests - failed
  io.write(string.format("events/s: %.0f (%d accepted requests × 500 events in %.1f s; %d failed)\n",
    ok * 500 / (summary.duration / 1e6), ok, summary.duration / 1e6, failed))
end
