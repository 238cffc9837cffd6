-- GET a random party by id with the bench token (ids 1..MAX_ID).
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local id = math.random(1, max_id)
  return wrk.format("GET", "/api/v1/parties/" .. id, { ["Authorization"] = "Bearer " .. token })
end
