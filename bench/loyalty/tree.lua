-- GET the referral tree of a random member (bench/loyalty/referral.sh).
-- PAUSE_MS: each connection waits that long between requests (a paced,
-- moderate load); PATH_ONLY: request that path instead (the /healthz floor).
local total = tonumber(os.getenv("TOTAL") or "1000")
local token = os.getenv("TOKEN")
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
local only = os.getenv("PATH_ONLY")
math.randomseed(os.time())
request = function()
  local path = only or ("/api/v1/referral-programs/1/members/" .. math.random(1, total) .. "/tree?limit=20")
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
delay = function() return pause end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
  io.write(string.format("  tree latency (wrk, 4 connections): median %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
