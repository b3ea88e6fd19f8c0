--- tests/signals/check.lua DIR SIGNAL RC: what a sweep left in DIR after
-- SIGNAL (INT, TERM, HUP, KILL or none) must satisfy. Prints "ok" or one
-- "FAIL: ..." line per problem; exits 1 on any.
local dir, sig, rc = arg[1], arg[2], tonumber(arg[3])
local json = require "mcpi.json"
local problems = {}
local function fail(msg) problems[#problems + 1] = msg end

local want = { none = { 0 }, INT = { 0, 130 }, TERM = { 0, 143 }, HUP = { 0, 129 }, KILL = { 0, 137 } }
local okrc = false
for _, c in ipairs(want[sig]) do if rc == c then okrc = true end end
if not okrc then fail("exit status " .. rc .. " after SIG" .. sig) end

local function key(r)
  return table.concat({ tostring(r.row), tostring(r.kernel), tostring(r.n), tostring(r.rep) }, "/")
end

-- the journal: every line whole (a torn last line only after KILL), each row once
local text = json.read_file(dir .. "/r.jsonl")
local lines = {}
if text then
  local rows, err, torn = json.decode_lines(text)
  if not rows then fail("jsonl: " .. err) end
  if torn and sig ~= "KILL" then fail("jsonl torn without SIGKILL: " .. torn) end
  local seen = {}
  for _, r in ipairs(rows or {}) do
    local k = key(r)
    if seen[k] then fail("jsonl holds " .. k .. " twice") end
    seen[k] = true
    lines[#lines + 1] = k
  end
end

-- the final JSON: complete or absent; when present, the same rows as the journal
local jtext = json.read_file(dir .. "/r.json")
if jtext then
  local v, err = json.decode(jtext)
  if not v then fail("r.json is not complete JSON: " .. tostring(err))
  elseif sig ~= "KILL" then
    local inj = {}
    for _, r in ipairs(v.results or {}) do inj[key(r)] = true end
    local n = 0
    for _, k in ipairs(lines) do
      n = n + 1
      if not inj[k] then fail("row " .. k .. " is in the jsonl, not in r.json") end
    end
    if n ~= #(v.results or {}) then fail(string.format("r.json has %d rows, the jsonl %d", #v.results, n)) end
  end
elseif sig ~= "KILL" and rc ~= 137 then
  fail("no r.json after SIG" .. sig .. " (exit " .. rc .. ")")
end

-- no temporary files
local p = io.popen("ls -a '" .. dir .. "'")
for f in p:lines() do
  if f:find("mcpi-", 1, true) and sig ~= "KILL" then fail("temporary file left: " .. f) end
end
p:close()

if #problems == 0 then print("ok") else for _, m in ipairs(problems) do print("FAIL: " .. m) end end
os.exit(#problems == 0 and 0 or 1)
