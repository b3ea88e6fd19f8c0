--- mcpi.worker: kernels that run in another process, behind the wire protocol
-- "mcpi-worker/1" (JSON lines over pipes; README "Workers: kernels in another
-- process"). mcpi starts the worker once (lazily, on the first call), reads
-- its handshake, then sends {"op":"count","n":"N","seed":"S","calls":C,
-- "threads":T} and reads {"hits":"H","seconds":X} or {"error":"..."}.
-- The process itself is handled in C (src/proc.c: pipes, deadlines, stderr
-- tail, SIGTERM then SIGKILL, reaping). Every fault is one line naming the
-- kernel and what its worker did; a worker in an unknown state is stopped at
-- once, so the next call starts a fresh one.
--   local w = worker.new{ name = "user.py", command = {"python3", "w.py"} }
--   w:start() --> handshake info;  w:call(n, seed, threads, calls, opts) --> hits, {seconds}
local ffi = require "ffi"
local cjson = require "cjson.safe"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local type, tostring, tonumber, format, concat = type, tostring, tonumber, string.format, table.concat
local pairs, ipairs, setmetatable, max = pairs, ipairs, setmetatable, math.max

local M = {}

M.PROTOCOL = "mcpi-worker/1"
M.START_TIMEOUT = 120  -- seconds for the handshake (TensorFlow imports slowly)
M.CALL_TIMEOUT = 60    -- the least a call is given when the caller sets a timeout
M.STOP_GRACE = 2       -- seconds between closing stdin and SIGTERM

local Worker = {}
Worker.__index = Worker

local U64 = ffi.typeof("uint64_t")

local function cstr(p) return p ~= nil and ffi.string(p) or "" end

-- Text from a worker for a one-line message: control bytes as spaces, cut.
local function plain(s, maxlen)
  s = tostring(s):gsub("%c", " ")
  if #s > maxlen then s = s:sub(1, maxlen) .. "..." end
  return s
end

--- A worker for spec {name, command = {argv...}, env = {NAME = value} or
-- {"NAME=value", ...}, stream, threaded, start_timeout, timeout}; nothing
-- starts until start() or the first call().
function M.new(spec)
  local argv, env = {}, {}
  for i, a in ipairs(spec.command) do argv[i] = tostring(a) end
  for k, v in pairs(spec.env or {}) do
    env[#env + 1] = type(k) == "number" and tostring(v) or (tostring(k) .. "=" .. tostring(v))
  end
  table.sort(env)
  return setmetatable({ name = spec.name, argv = argv, env = env, stream = spec.stream,
    start_timeout = spec.start_timeout or M.START_TIMEOUT,
    timeout = spec.timeout or M.CALL_TIMEOUT }, Worker)
end

-- -- Faults ---------------------------------------------------------------------

--- The last non-empty line the worker wrote to stderr, or nil.
function Worker:last_stderr()
  if not self.proc then return self.tail end
  local len = ffi.new("size_t[1]")
  local p = C.mcpi_proc_stderr_tail(self.proc, len)
  local s = ffi.string(p, len[0])
  local last
  for line in s:gmatch("[^\r\n]+") do
    if line:find("%S") then last = line end
  end
  return last
end

local function status_text(st)
  if st < 0 then return "is still running" end
  if st >= 256 then return format("was killed by signal %d", st - 256) end
  return format("exited with status %d", st)
end

--- Stop the process now (short grace), keeping its last stderr line.
function Worker:kill(grace)
  local p = self.proc
  if not p then return end
  self.tail = self:last_stderr()
  self.proc, self.info = nil, nil
  C.mcpi_proc_stop(p, grace or 0.2)
  self.status = C.mcpi_proc_status(p, 0)
  ffi.gc(p, nil)
  C.mcpi_proc_free(p)
end

-- Kill the worker and raise one line: "<kernel>: worker <what> (last stderr: '...')".
function Worker:fail(what)
  self:kill()
  local tail = self.tail
  error(format("%s: worker %s%s", self.name, what,
    tail and format(" (its last stderr line: %s)", util.quote_arg(tail, 160)) or ""), 0)
end

-- After a failed read: say why, in terms of what the worker did.
function Worker:read_failed(rc, doing, timeout)
  if rc == C.MCPI_PROC_EINTR then
    self:kill()
    util.interrupted()
  elseif rc == C.MCPI_PROC_TIMEOUT then
    self:fail(format("sent no reply within %s s %s; stopped it", util.fmtnum(timeout), doing))
  elseif rc == C.MCPI_PROC_EOF then
    local st = C.mcpi_proc_status(self.proc, 1)
    self:fail(format("%s %s", status_text(st), doing))
  elseif rc == C.MCPI_PROC_TOOLONG then
    self:fail("wrote a line over 1 MiB " .. doing)
  end
  self:fail(format("could not be read %s: %s", doing,
    cstr(C.mcpi_proc_strerrno(C.mcpi_proc_errno(self.proc)))))
end

local line_p, len_p = ffi.new("const char *[1]"), ffi.new("size_t[1]")

-- The next line, decoded: a JSON object, or a fault.
function Worker:read_json(timeout, doing)
  local rc = C.mcpi_proc_read_line(self.proc, timeout or -1, line_p, len_p)
  if rc ~= 0 then self:read_failed(rc, doing, timeout) end
  local line = ffi.string(line_p[0], len_p[0])
  local v = cjson.decode(line)
  if type(v) ~= "table" then
    self:fail(format("wrote a line that is not a JSON object %s: %s", doing, util.quote_arg(line, 80)))
  end
  return v
end

-- -- Start and stop -----------------------------------------------------------

local function check_handshake(self, h)
  if h.protocol ~= M.PROTOCOL then
    self:fail(format("sent a handshake with protocol %s, want %q",
      util.quote_arg(tostring(h.protocol), 40), M.PROTOCOL))
  end
  if h.error ~= nil then
    self:fail("cannot run: " .. plain(h.error, 200))
  end
  if self.stream and h.stream ~= nil and h.stream ~= self.stream then
    self:fail(format("says its stream is %s, but it is registered as %q",
      util.quote_arg(tostring(h.stream), 40), self.stream))
  end
end

--- Start the worker (if not running) and read its handshake; returns the
-- info that goes into results.context.kernels[name] (the handshake's fields
-- and the command). Raises one line on any fault.
function Worker:start()
  if self.proc then return self.info end
  local n = #self.argv
  local argv = ffi.new("const char *[?]", n + 1)
  for i, a in ipairs(self.argv) do argv[i - 1] = a end
  local env = ffi.new("const char *[?]", #self.env + 1)
  for i, e in ipairs(self.env) do env[i - 1] = e end
  local err = ffi.new("int[1]")
  local p = C.mcpi_proc_spawn(argv, env, err)
  if p == nil then
    error(format("%s: cannot start worker %s: %s", self.name, util.quote_arg(self.argv[1] or "", 80),
      cstr(C.mcpi_proc_strerrno(err[0]))), 0)
  end
  self.proc, self.tail = ffi.gc(p, C.mcpi_proc_free), nil
  local h = self:read_json(self.start_timeout, "before its handshake")
  check_handshake(self, h)
  local info = {}
  for k, v in pairs(h) do info[k] = v end
  info.command = concat(self.argv, " ")
  info.pid = C.mcpi_proc_pid(p)
  self.info = info
  return info
end

--- Stop the worker: {"op":"quit"}, close its stdin, wait, SIGTERM, SIGKILL;
-- reaped either way. Idempotent.
function Worker:stop()
  local p = self.proc
  if not p then return end
  local q = '{"op":"quit"}\n'
  C.mcpi_proc_write(p, q, #q)
  self:kill(M.STOP_GRACE)
end

--- True while a worker process is up.
function Worker:running() return self.proc ~= nil end

-- -- Count --------------------------------------------------------------------------

-- hits from a reply: a decimal string within 0..n, as uint64_t; or a fault.
local function reply_hits(self, v, n, doing)
  local h = v.hits
  if type(h) ~= "string" or not h:match("^%d+$") or #h > 20 then
    self:fail(format("replied with hits %s %s; want a decimal string",
      util.quote_arg(type(h) == "string" and h or cjson.encode(h) or tostring(h), 40), doing))
  end
  local u = util.to_u64(h, "hits")
  if not u or u > n then
    self:fail(format("replied with hits %s %s, an impossible count (want 0..%s)",
      util.quote_arg(h, 40), doing, util.u64str(n)))
  end
  return u
end

--- One request: the kernel's hits at (n, seed) (uint64_t) and {seconds =
-- the worker's own time for the `calls` calls}. opts.timeout: seconds the
-- caller waits (at least self.timeout is given); nil waits without limit.
function Worker:call(n, seed, threads, calls, opts)
  if not self.proc then self:start() end
  local nn, ss = util.u64str(U64(n)), util.u64str(U64(seed))
  calls = calls or 1
  local doing = format("to count n=%s seed=%s calls=%d", nn, ss, calls)
  local msg = format('{"op":"count","n":"%s","seed":"%s","calls":%d,"threads":%s}\n', nn, ss,
    calls, threads and threads > 0 and tostring(threads) or "null")
  if C.mcpi_proc_write(self.proc, msg, #msg) ~= 0 then
    self:fail(format("%s before the request %s", status_text(C.mcpi_proc_status(self.proc, 1)), doing))
  end
  local timeout = opts and opts.timeout and max(opts.timeout, self.timeout) or -1
  local v = self:read_json(timeout, doing)
  if v.error ~= nil then  -- the worker stays usable
    error(format("%s: worker reports: %s", self.name, plain(v.error, 200)), 0)
  end
  local hits = reply_hits(self, v, U64(n), doing)
  local secs = v.seconds
  if type(secs) ~= "number" or not (secs >= 0 and secs < math.huge) then
    self:fail(format("replied with seconds %s %s; want a number >= 0",
      util.quote_arg(cjson.encode(secs) or tostring(secs), 40), doing))
  end
  return hits, { seconds = secs }
end

return M
