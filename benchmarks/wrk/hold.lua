-- POST /api/v1/reservations: each request a distinct free seat (threads take alternate
-- ones), as the prepared ACTIVE users in turn.
-- args: users file ("user_jwt queue_token"), seats file ("schedule_id seat_id"), threads
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  users = load_lines(args[1])
  seats = load_lines(args[2])
  step = tonumber(args[3])
  n = index
end

function request()
  n = n + step
  local user = users[(n % #users) + 1]
  local seat = seats[(n % #seats) + 1]
  return wrk.format("POST", "/api/v1/reservations", {
    ["Authorization"] = "Bearer " .. user[1],
    ["X-Queue-Token"] = user[2],
    ["Content-Type"] = "application/json",
  }, '{"schedule_id":' .. seat[1] .. ',"seat_id":' .. seat[2] .. '}')
end
