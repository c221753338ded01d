-- wrk script: single-flag OFREP evaluation for many distinct units.
-- Usage: wrk -t2 -c64 -d15s -s scripts/bench/ofrep.lua http://127.0.0.1:8080
-- The requests (10,000 distinct units) are formatted once, in init, so that wrk spends as little of the shared
-- cores per request as in the /healthz run it is compared with.
local requests = {}
local counter = 0

init = function(args)
  local headers = {["Authorization"] = "Bearer " .. os.getenv("RAMPART_SDK_KEY"), ["Content-Type"] = "application/json"}
  for i = 1, 10000 do
    local body = string.format('{"context":{"targetingKey":"user-%d","environment":"production","plan":"pro"}}', i)
    requests[i] = wrk.format("POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", headers, body)
  end
end

request = function()
  counter = counter % #requests + 1
  return requests[counter]
end
