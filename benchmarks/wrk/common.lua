-- Shared by the request scripts: each wrk thread reads the prepared lines (users with
-- their tokens, or seats) from the file named after `--`, and walks its own share.
local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
  thread:set("count", 0)
end

function load_lines(path)
  local lines = {}
  for line in io.lines(path) do
    local fields = {}
    for field in line:gmatch("%S+") do fields[#fields + 1] = field end
    lines[#lines + 1] = fields
  end
  return lines
end
