-- POST /api/v1/queue/tokens as a user who has no token yet: each request the next of the
-- prepared user JWTs (threads take alternate ones, so no user is issued twice).
-- args: data file (one user_jwt per line), concert id, threads
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  users = load_lines(args[1])
  body = '{"concert_id":' .. args[2] .. '}'
  step = tonumber(args[3])
  n = index
end

function request()
  n = n + step
  local user = users[(n % #users) + 1]
  return wrk.format("POST", "/api/v1/queue/tokens", {
    ["Authorization"] = "Bearer " .. user[1],
    ["Content-Type"] = "application/json",
  }, body)
end
