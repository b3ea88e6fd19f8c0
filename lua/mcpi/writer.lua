--- mcpi.writer: every file mcpi writes goes through here (src/fsio.c).
--   writer.write_file(path, text)  a regular or new file is replaced atomically
--                                  (temporary file in the same directory, synced,
--                                  renamed); a character device or pipe (/dev/null,
--                                  /dev/stdout, a FIFO) is written through; a
--                                  symbolic link is followed; a directory, block
--                                  device or dangling link is refused
--   writer.check(path)             could write_file write there? (before measuring)
--   writer.mkdir(dir)              mkdir -p
--   writer.journal(path)           the sweep's row journal (below)
-- Expected failures return nil, "cannot write 'PATH': reason"; misuse raises
-- error(msg, 2).
--
-- The journal keeps a sweep's finished rows in memory and appends each to a
-- .jsonl as one write(2) under an exclusive flock (a second sweep on the same
-- file is refused, not interleaved). Its bookkeeping survives a signal at any
-- instruction: a row goes into the in-memory lists and onto disk inside one
-- critical section (mcpi_signal_defer), so it is in both or in neither, and a
-- point's summary row is marked written in the same section, so it is written
-- once.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local type, format, setmetatable = type, string.format, setmetatable

local M = {}

local ERRLEN = 512
local KINDS = { [0] = "missing", "regular", "directory", "character device", "fifo",
  "socket", "block device", "dangling link" }

local function path_arg(fn, path)
  if type(path) ~= "string" or path == "" then
    util.blame(format("writer.%s: path must be a non-empty file name, got %s", fn,
      type(path) == "string" and "''" or type(path)))
  end
  if path:find("\0", 1, true) then
    util.blame(format("writer.%s: path must not contain a NUL byte: %s", fn, util.quote_arg(path)))
  end
end

local function cannot(path, buf)
  return format("cannot write %s: %s", util.quote_arg(path, 200), ffi.string(buf))
end

--- What path is: "missing", "regular", "directory", "character device",
-- "fifo", "socket", "block device", "dangling link"; or nil, reason.
function M.kind(path)
  path_arg("kind", path)
  local k = C.mcpi_fs_kind(path)
  if k < 0 then return nil, ffi.string(C.mcpi_fs_strerror(-k)) end
  return KINDS[k]
end

--- Write text to path (see the top of this file). Returns true, or nil and
-- "cannot write 'PATH': reason".
function M.write_file(path, text)
  path_arg("write_file", path)
  if type(text) ~= "string" then
    util.blame(format("writer.write_file: text must be a string, got %s", type(text)))
  end
  local buf = ffi.new("char[?]", ERRLEN)
  if C.mcpi_fs_write(path, text, #text, buf, ERRLEN) ~= 0 then return nil, cannot(path, buf) end
  return true
end

--- true if write_file could write path now, else nil and why.
function M.check(path)
  path_arg("check", path)
  local buf = ffi.new("char[?]", ERRLEN)
  if C.mcpi_fs_check(path, buf, ERRLEN) ~= 0 then return nil, cannot(path, buf) end
  return true
end

--- Create directory dir and its parents. Returns true or nil, err.
function M.mkdir(dir)
  path_arg("mkdir", dir)
  local buf = ffi.new("char[?]", ERRLEN)
  if C.mcpi_fs_mkdir(dir, buf, ERRLEN) ~= 0 then return nil, ffi.string(buf) end
  return true
end

-- -- The row journal ---------------------------------------------------------------

local Journal = {}
Journal.__index = Journal

--- Open a journal appending to path (truncated first unless append is true;
-- nil: rows in memory only). Returns it, or nil, why and whether another
-- process holds the file's lock (the message says so).
function M.journal(path, append)
  local j = setmetatable({ path = path, fd = -1, count = 0 }, Journal)
  if path == nil then return j end
  path_arg("journal", path)
  local buf = ffi.new("char[?]", ERRLEN)
  local fd = C.mcpi_fs_append_open(path, append and 0 or 1, buf, ERRLEN)
  if fd < 0 then return nil, cannot(path, buf), fd == -2 end
  j.fd = fd
  return j
end

--- Record a finished row: append it to every list in lists and, when the
-- journal has a file, line (the row as one line of text, ending in a newline;
-- the caller encodes it, so a row that cannot be encoded goes nowhere) to it;
-- when mark is given, mark.summarized = true. All in one critical section. A
-- failed write is remembered in self.err (the row stays in memory) and ends
-- the file's part: later rows are kept in memory only.
function Journal:add(row, line, lists, mark)
  if type(line) ~= "string" then util.blame(format("journal:add: line must be a string, got %s", type(line))) end
  local buf = self.fd >= 0 and not self.err and ffi.new("char[?]", ERRLEN) or nil
  C.mcpi_signal_defer(1)
  for i = 1, #lists do
    local l = lists[i]
    l[#l + 1] = row
  end
  if mark then mark.summarized = true end
  if buf then
    if C.mcpi_fs_append(self.fd, line, #line, buf, ERRLEN) == 0 then
      self.count = self.count + 1
    else
      self.err = cannot(self.path, buf)
    end
  end
  C.mcpi_signal_defer(0)
  return self.err == nil, self.err
end

--- Close the file (and its lock). Returns true or nil, err.
function Journal:close()
  if self.fd < 0 then return true end
  local buf = ffi.new("char[?]", ERRLEN)
  local fd = self.fd
  self.fd = -1
  if C.mcpi_fs_close(fd, buf, ERRLEN) ~= 0 then
    self.err = self.err or cannot(self.path, buf)
    return nil, self.err
  end
  return true
end

return M
