-- GET a path as one of the prepared users: Authorization and X-Queue-Token per request.
-- args: data file ("user_jwt queue_token" per line), path, threads
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  users = load_lines(args[1])
  path = args[2]
  step = tonumber(args[3])
  n = index
end

function request()
  n = n + step
  local user = users[(n % #users) + 1]
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. user[1],
    ["X-Queue-Token"] = user[2],
  })
end
