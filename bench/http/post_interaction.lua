-- POST a durable interaction for a random party.
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local id = math.random(1, max_id)
  local body = '{"party_id":' .. id .. ',"channel":"call","direction":"outbound","subject":"bench call","notes":"回访 follow-up"}'
  return wrk.format("POST", "/api/v1/interactions",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx: %d\n", non2xx))
end
