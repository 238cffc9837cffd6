-- GET the referral tree of a random member (bench/loyalty/referral.sh).
local total = tonumber(os.getenv("TOTAL") or "1000")
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/referral-programs/1/members/" .. math.random(1, total) .. "/tree?limit=20",
    { ["Authorization"] = "Bearer " .. token })
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
  io.write(string.format("  tree latency (wrk, 4 connections): median %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
