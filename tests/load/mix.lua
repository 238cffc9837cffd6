-- wrk script for tests/load: a mix of reads (55%), searches (15%), filtered
-- lists (10%) and durable writes (20%, POST /api/v1/interactions) against
-- the demo parties 1..MAX_ID. Each thread counts answers by class and keeps
-- the ids of the interactions it was told were created (201); done() writes
-- "ids <comma list>" and the counts to LOAD_OUT for the test to verify.
local token = os.getenv("TOKEN")
local max_id = tonumber(os.getenv("MAX_ID") or "100")
local out_path = os.getenv("LOAD_OUT")
local searches = { "%E5%BC%A0", "%E7%8E%8B%E4%BC%9F", "wang", "li", "%E5%85%AC%E5%8F%B8", "138", "co" }
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
  created, s2xx, s4xx, s5xx, seq = "", 0, 0, 0, 0
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  local r = math.random(100)
  local id = math.random(1, max_id)
  if r <= 55 then
    return wrk.format("GET", "/api/v1/parties/" .. id, headers)
  elseif r <= 70 then
    return wrk.format("GET", "/api/v1/parties?limit=20&q=" .. searches[math.random(#searches)], headers)
  elseif r <= 80 then
    if r % 2 == 0 then return wrk.format("GET", "/api/v1/interactions?limit=20&party_id=" .. id, headers) end
    return wrk.format("GET", "/api/v1/parties?limit=20&sort=-updated_at&kind=person", headers)
  end
  seq = seq + 1
  local body = '{"party_id":' .. id .. ',"channel":"call","direction":"outbound","subject":"load t' .. tid .. ' #' .. seq .. '","notes":"负载测试 load test"}'
  return wrk.format("POST", "/api/v1/interactions", headers, body)
end

function response(status, hdrs, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else s2xx = s2xx + 1 end
  if status == 201 then
    local id = string.match(body, '"id":(%d+)')
    if id then created = created .. id .. "," end
  end
end

function done(summary, latency, requests)
  local f = io.open(out_path, "w")
  local ids, c2, c4, c5 = "", 0, 0, 0
  for _, t in ipairs(threads) do
    ids = ids .. (t:get("created") or "")
    c2 = c2 + t:get("s2xx"); c4 = c4 + t:get("s4xx"); c5 = c5 + t:get("s5xx")
  end
  local e = summary.errors
  f:write(string.format("counts %d %d %d %d %d\n", c2, c4, c5, e.connect + e.read + e.write, e.timeout))
  f:write(string.format("latency %d %d %d\n", latency:percentile(50), latency:percentile(99), latency.max))
  f:write("ids " .. ids .. "\n")
  f:close()
end
