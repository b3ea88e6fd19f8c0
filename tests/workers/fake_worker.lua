-- A test worker in Lua, run by mcpi itself: speaks mcpi-worker/1 with c.scalar's
-- counts, or misbehaves in the way MODE asks (tests/lua/test_worker.lua).
--   mcpi script tests/workers/fake_worker.lua MODE [TAG]
-- TAG is ignored; tests put a unique one on the command line to find leftover
-- processes with pgrep -f. Modes: ok, nohandshake, notjson, wrongproto, refuse,
-- exit_start, wrongstream, crash, crash_seed3 (at seed 3), killed, hang, hang_seed2 (at seed 2), malformed,
-- toomany, negative, fraction, numeric, nosecs, errreply (seed 13 only),
-- exit_after2, noisy, longline, sigint (at seed 5: SIGINT to mcpi, then a reply).
local cjson = require "cjson"
local C = mcpi.capi
local scalar = mcpi.kernels.get("c.scalar")

local mode = arg[1] or "ok"
local out, err = io.stdout, io.stderr

local function send(s) out:write(s, "\n"); out:flush() end

local HANDSHAKE = '{"protocol":"mcpi-worker/1","kernel":"test.fake","stream":"philox",'
  .. '"runtime":"mcpi fake worker","libraries":{"cjson":"2.1"},"device":"cpu","threads":false}'

if mode == "noisy" then
  err:write((("x"):rep(99) .. "\n"):rep(2000))  -- 200 KB: more than a pipe holds
end
if mode == "nohandshake" then
  while io.read("*l") do end
  return
elseif mode == "notjson" then
  send("hello, I am not JSON")
elseif mode == "wrongproto" then
  send('{"protocol":"mcpi-worker/0","kernel":"x"}')
elseif mode == "refuse" then
  send('{"protocol":"mcpi-worker/1","error":"fakelib is not installed"}')
  os.exit(0)
elseif mode == "exit_start" then
  err:write("fake worker: cannot import fakelib\n")
  os.exit(3)
elseif mode == "wrongstream" then
  send('{"protocol":"mcpi-worker/1","stream":"lua-random"}')
elseif mode == "longline" then
  send(("x"):rep(2 * 1024 * 1024))
else
  send(HANDSHAKE)
end

local replies = 0
while true do
  local line = io.read("*l")
  if not line then os.exit(0) end
  local req = cjson.decode(line)
  if req.op == "quit" then os.exit(0) end
  local n, seed, calls = tonumber(req.n), req.seed, req.calls
  if mode == "crash" or (mode == "crash_seed3" and seed == "3") then
    err:write("fake worker: crashing as asked\n")
    os.exit(3)
  elseif mode == "killed" then
    err:write("fake worker: killing myself\n")
    os.execute("kill -KILL $PPID")
  elseif mode == "hang" or (mode == "hang_seed2" and seed == "2") then
    -- no reply: wait for the next line (or the end of input) instead
  elseif mode == "exit_after2" and replies == 2 then
    err:write("fake worker: leaving after 2 replies\n")
    os.exit(0)
  elseif mode == "sigint" and seed == "5" then
    -- Ctrl-C reaches mcpi while it waits for this reply, which then comes
    local fh = io.open("/proc/self/stat")
    local ppid = fh:read("*l"):match("%)%s+%S+%s+(%d+)")
    fh:close()
    os.execute("kill -INT " .. ppid .. "; sleep 0.2")
    send('{"hits":"0","seconds":0}')
  elseif mode == "malformed" then
    send('{"hits": 12')
  elseif mode == "errreply" and seed == "13" then
    send('{"error":"cannot count seed 13 today"}')
  else
    local t0 = C.mcpi_clock_ns()
    local hits
    for _ = 1, calls do hits = scalar.fn(req.n, req.seed) end
    local secs = tonumber(C.mcpi_clock_ns() - t0) / 1e9
    local h = mcpi.util.u64str(hits)
    if mode == "toomany" then h = tostring(n + 1)
    elseif mode == "negative" then h = "-1"
    elseif mode == "fraction" then h = "1.5" end
    if mode == "numeric" then
      send(('{"hits":%s,"seconds":%.17g}'):format(h, secs))
    elseif mode == "nosecs" then
      send(('{"hits":"%s"}'):format(h))
    else
      if mode == "noisy" then err:write((("y"):rep(99) .. "\n"):rep(100)) end
      send(('{"hits":"%s","seconds":%.17g}'):format(h, secs))
    end
    replies = replies + 1
  end
end
