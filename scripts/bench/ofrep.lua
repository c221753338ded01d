-- wrk script: single-flag OFREP evaluation for many distinct units.
-- Usage: wrk -t2 -c64 -d15s -s scripts/bench/ofrep.lua http://127.0.0.1:8080
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"context":{"targetingKey":"user-%d","environment":"production","plan":"pro"}}', counter)
  return wrk.format("POST", "/ofrep/v1/evaluate/flags/support-answer-prompt",
    {["Authorization"] = "Bearer " .. os.getenv("RAMPART_SDK_KEY"), ["Content-Type"] = "application/json"}, body)
end
