-- GET random parties by id with the bench token (ids 1..MAX_ID). The requests
-- are built once per thread (wrk.format per request costs the load generator
-- about as much CPU as the bare peer spends answering).
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local token = os.getenv("TOKEN")
local n = 65536
local reqs, i = {}, 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  for k = 1, n do
    reqs[k] = wrk.format("GET", "/api/v1/parties/" .. math.random(1, max_id), { ["Authorization"] = "Bearer " .. token })
  end
end
request = function()
  i = i % n + 1
  return reqs[i]
end
