-- POST a durable points adjustment for a random party (bench/loyalty/run.sh).
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local id = math.random(1, max_id)
  local body = '{"points":' .. math.random(1, 50) .. ',"reason":"bench 积分"}'
  return wrk.format("POST", "/api/v1/parties/" .. id .. "/points",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
