-- tests/lua/test_writer.lua: mcpi.writer (files, devices, links, the journal),
-- mcpi.errors, and the signal critical sections the journal relies on.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"
local writer = require "mcpi.writer"
local errors = require "mcpi.errors"
local json = require "mcpi.json"
local C = require "mcpi.capi"

local tmp = os.tmpname() .. ".d"
os.execute("mkdir -p " .. tmp)
local function read(p) local f = io.open(p, "rb"); local s = f:read("*a"); f:close(); return s end

T.rows("kind", {
  { "/dev/null", "character device" }, { tmp, "directory" }, { tmp .. "/none", "missing" },
}, function(r) T.eq(writer.kind(r[1]), r[2]) end)

T.test("write_file: a regular file replaced, its mode kept, no temporary file left", function()
  local p = tmp .. "/a.txt"
  assert(writer.write_file(p, "one"))
  os.execute("chmod 600 " .. p)
  assert(writer.write_file(p, "two"))
  T.eq(read(p), "two")
  T.eq(io.popen("stat -c %a " .. p):read("*l"), "600")
  T.eq(io.popen("ls -a " .. tmp .. " | grep -c mcpi-"):read("*l"), "0")
end)

T.test("write_file: a symbolic link is followed, the link stays", function()
  os.execute("ln -s a.txt " .. tmp .. "/l.txt")
  assert(writer.write_file(tmp .. "/l.txt", "three"))
  T.eq(read(tmp .. "/a.txt"), "three")
  T.ok(os.execute("test -L " .. tmp .. "/l.txt") == 0, "still a link")
end)

T.rows("write_file refuses what it cannot do", {
  { tmp, "is a directory" },
  { tmp .. "/no/such/x", "No such file or directory" },
  { "/dev/full", "No space left on device" },
}, function(r)
  local ok, err = writer.write_file(r[1], "x")
  T.eq(ok, nil)
  T.ok(err:find(r[2], 1, true), err)
end)

T.test("write_file: /dev/null is written through (a device is never replaced)", function()
  T.ok(writer.write_file("/dev/null", "x"))
  T.eq(writer.kind("/dev/null"), "character device")
end)

T.test("journal: lines appended whole; a second journal on the file is refused", function()
  local p = tmp .. "/j.jsonl"
  local j = assert(writer.journal(p))
  local rows = {}
  for i = 1, 3 do assert(j:add({ i = i }, string.format('{"i":%d}\n', i), { rows })) end
  local j2, err, locked = writer.journal(p)
  T.eq(j2, nil)
  T.ok(locked, "says the lock is held")
  T.ok(err:find("another mcpi process is writing it", 1, true), err)
  assert(j:close())
  T.eq(#rows, 3)
  T.eq(read(p), '{"i":1}\n{"i":2}\n{"i":3}\n')
  local j3 = assert(writer.journal(p))  -- free again once closed
  j3:close()
end)

T.test("journal: a summary is marked written in the same section", function()
  local j = assert(writer.journal(nil))
  local list, point = {}, {}
  j:add({ row = "summary" }, '{"row":"summary"}\n', { list }, point)
  T.ok(point.summarized)
  T.eq(#list, 1)
end)

T.test("decode_lines: complete lines kept, a torn tail reported, corruption an error", function()
  local rows, err, torn = json.decode_lines('{"a":1}\n{"a":2}\n{"a"')
  T.eq(#rows, 2); T.eq(err, nil)
  T.ok(torn:find("line 3 is torn", 1, true), torn)
  rows, err = json.decode_lines('{"a":1}\n{"a"\n{"a":2}\n')
  T.eq(rows, nil)
  T.ok(err:find("line 2", 1, true), err)
end)

T.test("errors: kinds and exit codes", function()
  for kind, code in pairs{ usage = 2, data = 1, experiment = 1, interrupted = 130 } do
    local e = errors.new(kind, "m")
    T.eq(errors.kind(e), kind); T.eq(e.exit, code); T.eq(tostring(e), "m")
  end
  T.eq(errors.kind({ exit = 2, msg = "x" }), nil, "an exit field alone is no kind")
  T.eq(errors.kind(setmetatable({}, { __index = function() error("x") end })), nil, "read raw")
  T.eq(errors.message(42), "42")
end)

-- Deferring: a signal inside a critical section is raised when it ends, not
-- inside it (the journal's guarantee). This test sends itself a SIGINT.
ffi.cdef "int kill(int pid, int sig); int getpid(void);"
T.test("critical section: SIGINT raised after the section, not inside", function()
  local inside, after = false, false
  local ok, e = pcall(function()
    C.mcpi_signal_defer(1)
    ffi.C.kill(ffi.C.getpid(), 2)
    local x = 0
    for i = 1, 1000 do x = x + i end  -- instructions where the hook would fire
    inside = x > 0
    C.mcpi_signal_defer(0)
    for _ = 1, 1000 do end
    after = true
  end)
  T.eq(ok, false)
  T.ok(errors.is_interrupt(e), "the interruption")
  T.ok(inside, "the section ran to its end")
  T.eq(after, false, "raised right after the section")
  C.mcpi_signal_clear()
end)

os.execute("rm -rf " .. tmp)
T.done()
