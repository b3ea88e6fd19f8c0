--- mcpi.mpi: MPI ranks, loaded at run time. Under an MPI launcher (mpirun
-- sets OMPI_COMM_WORLD_SIZE; PMI_SIZE and PMIX_RANK are read too) or with
-- MCPI_MPI=1, the command line calls M.start(): it loads the shim
-- (src/dl/mpi.c, built against the system's mpi.h into obj/dl/) and
-- initialises MPI. Rank 0 runs the command; every other rank serves: it waits
-- for rank 0's broadcast of (kernel, n, seed, calls, threads) and counts its
-- share. Every philox kernel with an offset count (and c.threads) is
-- replaced on rank 0 by a split one: samples 0..n-1 are cut into K
-- contiguous shares by c.threads' rule (mcpi_threads_cut), each rank counts
-- its share, the hits are summed exactly (uint64 reduction) and a call's time
-- runs from a barrier before to the reduction after, as the slowest rank sees
-- it. The mcpi binary never links MPI; without a launcher nothing here loads.
local ffi = require "ffi"
local C = require "mcpi.capi"
local util = require "mcpi.util"

local format, max, tonumber = string.format, math.max, tonumber
local stderr = io.stderr

local M = {}

local CDEF = [[
struct mcpi_mpi_cmd {
  uint64_t op, n, seed, calls;
  int64_t threads;
  double timeout;
  char kernel[64];
};
int mcpi_mpi_init(void);
int mcpi_mpi_rank(void);
int mcpi_mpi_size(void);
const char *mcpi_mpi_error(void);
const char *mcpi_mpi_library(void);
int mcpi_mpi_hosts(char *buf, int len, double timeout);
int mcpi_mpi_bcast(struct mcpi_mpi_cmd *cmd, double timeout);
int mcpi_mpi_barrier(double timeout);
int mcpi_mpi_sum(uint64_t hits, uint64_t *total, double timeout);
int mcpi_mpi_max3(const double *v, double *out, double timeout);
void mcpi_mpi_abort(int code);
void mcpi_mpi_break(void);
void mcpi_mpi_exit_now(int code);
int mcpi_mpi_finalize(void);
]]

local OK, EINTR, ETIMEOUT = 0, 3, 6
-- Seconds a rank waits for the others when the call gives no timeout: the
-- longer of this and WAIT_FACTOR times its own share's time (a rank on a
-- slower machine may take longer; a dead or stuck one never answers).
-- MCPI_MPI_TIMEOUT=SECONDS replaces the rule (the tests use a short one).
local MIN_WAIT, WAIT_FACTOR = 60, 10

-- A caller's timeout (opts.timeout) only raises the wait, as for workers:
-- a short one would abort a job whose ranks are merely busy.
local function waiting_time(own, caller)
  local env = tonumber(os.getenv("MCPI_MPI_TIMEOUT") or "")
  if env and env > 0 then return env end
  return max(MIN_WAIT, WAIT_FACTOR * (own or 0), caller or 0)
end

local lib, rank, size, info
local originals = {}   -- kernel name -> the unsplit registry entry

--- True when mcpi runs under an MPI launcher or MCPI_MPI=1 asks for MPI
-- (MCPI_MPI=0 turns it off).
function M.launched()
  local want = os.getenv("MCPI_MPI")
  if want == "0" then return false end
  if want == "1" then return true end
  return os.getenv("OMPI_COMM_WORLD_SIZE") ~= nil or os.getenv("PMI_SIZE") ~= nil
    or os.getenv("PMIX_RANK") ~= nil
end

--- The shim's path: $MCPI_DLDIR/libmcpi_mpi.so, else obj/dl beside mcpi.
function M.shim_path()
  local dir = os.getenv("MCPI_DLDIR")
  if not dir or dir == "" then dir = ffi.string(C.mcpi_build_dldir()) end
  return dir .. "/libmcpi_mpi.so"
end

--- Load the shim (and with it libmpi, global so Open MPI's plugins find
-- its symbols); nil and a message if it cannot be.
function M.load()
  if lib then return lib end
  local path = M.shim_path()
  local fh = io.open(path, "rb")
  if not fh then
    return nil, format("the MPI shim %s is missing: this mcpi was built without mpicc "
      .. "(apt-get install libopenmpi-dev, then make)", path)
  end
  fh:close()
  if CDEF then ffi.cdef(CDEF); CDEF = nil end
  -- pinned (with libmpi): Open MPI's threads and exit handlers outlive the state
  if C.mcpi_dl_pin(path) ~= 1 then
    return nil, format("cannot load the MPI shim %s: %s", path, ffi.string(C.mcpi_dl_error()))
  end
  local ok, l = pcall(ffi.load, path, true)
  if not ok then return nil, format("cannot load the MPI shim %s: %s", path, tostring(l)) end
  lib = l
  return lib
end

local function mpi_error(what, rc)
  if rc == ETIMEOUT or rc == 5 then return format("%s: %s", what, ffi.string(lib.mcpi_mpi_error())) end
  return format("%s failed (status %d)", what, rc)
end

local broken  -- rank 0: why the ranks are out of step (no more split calls)

-- A failure that leaves the ranks out of step. A serving rank says so and
-- ends the job; rank 0 raises it as the call's error, so the command still
-- writes what it has, and ends the job at exit (the shim's MPI_Abort).
local function fatal(msg)
  msg = format("mpi: rank %d of %d: %s", rank, size, msg)
  if rank == 0 then
    broken = msg
    lib.mcpi_mpi_break()
    error(msg, 0)
  end
  stderr:write(format("mcpi: %s; aborting the job\n", msg))
  lib.mcpi_mpi_abort(1)
end

-- -- One split call, on every rank -----------------------------------------------

local hosts_count = 1

local function count_share(k, seed, first, len, threads, calls)
  if len == 0 then return 0ULL end
  local h
  for _ = 1, calls do
    if k.name == "c.threads" then
      h = require("mcpi.kernels").threads_count(seed, first, len, threads)
    else
      h = k.count(seed, first, len)
    end
  end
  return h
end

local total, vals, outs, cmd0

-- Runs the count of cmd on this rank; returns hits (sum), seconds (max),
-- worst status, failed rank, own error (rank 0: the hits and time are valid
-- there only).
local function run_share(k, cmd)
  local n, seed, calls = cmd.n, cmd.seed, tonumber(cmd.calls)
  local threads = cmd.threads > 0 and tonumber(cmd.threads) or nil
  local wait = waiting_time(nil, cmd.timeout)
  local rc = lib.mcpi_mpi_barrier(wait)
  if rc == EINTR then return nil, EINTR end
  if rc ~= OK then fatal(mpi_error("barrier before the call", rc)) end
  local t0 = C.mcpi_clock_ns()
  local first = C.mcpi_threads_cut(0, n, size, rank)
  local len = C.mcpi_threads_cut(0, n, size, rank + 1) - first
  local ok, hits = pcall(count_share, k, seed, first, len, threads, calls)
  local status, err = OK, nil
  if not ok then
    err = hits
    status = util.is_usage(err) and err.exit == 130 and EINTR or 1
    hits = 0ULL
  end
  local own = tonumber(C.mcpi_clock_ns() - t0) * 1e-9
  wait = waiting_time(own, cmd.timeout)
  rc = lib.mcpi_mpi_sum(hits, total, wait)
  if rc == OK then
    vals[0], vals[1], vals[2] = tonumber(C.mcpi_clock_ns() - t0) * 1e-9, status, status ~= OK and rank or -1
    rc = lib.mcpi_mpi_max3(vals, outs, wait)
  end
  if rc == EINTR then return nil, EINTR end
  if rc ~= OK then fatal(mpi_error("reduction after the call", rc)) end
  return total[0], outs[0], outs[1], outs[2], err
end

-- -- Rank 0: split kernels ----------------------------------------------------

local function split_call(k, n, seed, threads, calls, timeout)
  if broken then error(format("%s: %s (an earlier call failed)", k.name, broken), 0) end
  cmd0.op, cmd0.n, cmd0.seed, cmd0.calls = 1, n, seed, calls or 1
  cmd0.threads, cmd0.timeout = threads or 0, timeout or 0
  ffi.fill(cmd0.kernel, 64)
  ffi.copy(cmd0.kernel, k.name)
  local rc = lib.mcpi_mpi_bcast(cmd0, waiting_time())
  if rc ~= OK then
    lib.mcpi_mpi_break()
    if rc == EINTR then util.interrupted() end
    error(format("%s: mpi: %s", k.name, mpi_error("broadcast of the call", rc)), 0)
  end
  local ok, hits, secs, status, bad, err = pcall(run_share, k, cmd0)
  if not ok or hits == nil then
    lib.mcpi_mpi_break()  -- the other ranks may still be inside the call
    broken = broken or "mpi: a call was cut short"
    if not ok then error(format("%s: %s", k.name, tostring(hits)), 0) end
    util.interrupted()
  end
  if status == EINTR then util.interrupted() end
  if status ~= OK then
    if err then error(err, 0) end
    error(format("%s: mpi: rank %d failed (its message is above)", k.name, bad), 0)
  end
  return hits, { seconds = secs, ranks = size, hosts = hosts_count }
end

local function split_spec(k)
  local spec = {
    name = k.name, stream = k.stream, builtin = true, threaded = k.threaded,
    description = format("%s [split over %d MPI ranks]", k.description, size),
    available = k.available, count = k.count,
    call = function(n, seed, threads, calls, opts)
      return split_call(k, n, seed, threads, calls, opts and opts.timeout)
    end,
    start = function() return M.info() end,
  }
  return spec
end

--- Replace every splittable kernel (philox with an offset count, and
-- c.threads) by its split version; kernels registered later stay whole.
function M.split_kernels()
  local kernels = require "mcpi.kernels"
  for _, name in ipairs(kernels.names()) do
    local k = kernels.get(name)
    if k.stream == "philox" and (k.count or name == "c.threads") and not originals[name] then
      originals[name] = k
      kernels.register(split_spec(k))
    end
  end
end

-- -- Other ranks: serve ---------------------------------------------------------

local function serve()
  local kernels = require "mcpi.kernels"
  local cmd = ffi.new("struct mcpi_mpi_cmd")
  while true do
    local rc = lib.mcpi_mpi_bcast(cmd, 0)
    if rc == EINTR then lib.mcpi_mpi_exit_now(130) end
    if rc ~= OK then fatal(mpi_error("waiting for rank 0", rc)) end
    if cmd.op == 0 then
      lib.mcpi_mpi_finalize()
      return 0
    end
    local name = ffi.string(cmd.kernel)
    local k = kernels.find(name) or { name = name, count = function()
      error(format("kernel '%s' is not registered on this rank", name), 0)
    end }
    local hits, _, _, _, err = run_share(k, cmd)
    if hits == nil then lib.mcpi_mpi_exit_now(130) end
    if err and not util.is_usage(err) then
      stderr:write(format("mcpi: rank %d: %s\n", rank, tostring(err)))
    end
  end
end

-- -- Start -------------------------------------------------------------------

--- Rank, size, hosts (a list, rank order) and MPI library version; nil
-- before M.start().
function M.info()
  return info
end

--- This rank (0-based) and the number of ranks; nil before M.start().
function M.rank() return rank, size end

local function gather_hosts()
  local buf = ffi.new("char[?]", 65536)
  local rc = lib.mcpi_mpi_hosts(buf, 65536, waiting_time())
  if rc ~= OK then fatal(mpi_error("gathering host names", rc)) end
  local list, seen, distinct = {}, {}, 0
  for h in ffi.string(buf):gmatch("[^\n]+") do
    list[#list + 1] = h
    if not seen[h] then seen[h], distinct = true, distinct + 1 end
  end
  return list, distinct
end

--- Bring MPI up (under a launcher): load the shim, initialise, gather the
-- host names. Returns nil on rank 0 (which then runs the command with split
-- kernels) and the exit code on every other rank, after serving rank 0 until
-- it quits. Raises an error naming the cause when MPI cannot start.
function M.start()
  if rank then return rank == 0 and nil or 0 end
  local ok, err = M.load()
  if not ok then require("mcpi.errors").experiment("mpi: " .. err) end
  local rc = lib.mcpi_mpi_init()
  if rc ~= OK then require("mcpi.errors").experiment("mpi: " .. mpi_error("MPI_Init_thread", rc)) end
  C.mcpi_dl_pin_loaded()  -- Open MPI's plugins stay mapped
  rank, size = lib.mcpi_mpi_rank(), lib.mcpi_mpi_size()
  total, vals, outs = ffi.new("uint64_t[1]"), ffi.new("double[3]"), ffi.new("double[3]")
  cmd0 = ffi.new("struct mcpi_mpi_cmd")
  local hosts
  hosts, hosts_count = gather_hosts()
  if rank ~= 0 then return serve() end
  info = { ranks = size, hosts = hosts, distinct_hosts = hosts_count,
           library = ffi.string(lib.mcpi_mpi_library()), split = "mcpi_threads_cut" }
  M.split_kernels()
  return nil
end

return M
