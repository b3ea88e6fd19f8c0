--- test_peers.lua: the Python peers (src/peers/) through mcpi's worker kernels.
-- Every available philox peer against c.scalar over many (seed, first, n)
-- rows: N = 0..3, odd N, odd starts, seeds 0 and 2^64-1, ranges across block
-- 2^32 (sample 2^33). From sample 0 they go through the registry's call();
-- from an offset through the workers' "first" field (an extension of the
-- peers' worker loop that mcpi never sends; see src/peers/mcpi_worker.py).
-- py.numba_par at 1, 2, 3 and 7 threads. The *_random peers and py.cpython:
-- seeded 5-sigma checks. A peer that is not installed is skipped, named, with
-- why (`make test` installs the default set first: make peers).
local T = dofile("tests/harness.lua")
local ffi = require "ffi"
local cjson = require "cjson"
local C = require "mcpi.capi"
local K = require "mcpi.kernels"
local util = require "mcpi.util"

local format = string.format
local U64 = ffi.typeof("uint64_t")
local MAX64 = U64(0) - 1
local scalar = K.get("c.scalar")

local PHILOX = { "py.numba", "py.numba_par", "py.numpy", "py.jax", "py.tf", "py.triton" }
local RANDOM = { ["py.cpython"] = 200000, ["py.numba_random"] = 2000000, ["py.jax_random"] = 2000000 }

local function usable(name)
  local ok, why = K.get(name).available()
  if not ok then io.stdout:write(format("skip %s: %s\n", name, tostring(why))) end
  return ok
end

-- Hits among samples first..first+n-1 from the worker, through "first".
local function count_from(k, seed, first, n)
  k.start()
  local w = k.worker
  local msg = format('{"op":"count","n":"%s","seed":"%s","first":"%s","calls":1}\n',
    util.u64str(util.to_u64(n, "n")), util.u64str(util.to_u64(seed, "seed")),
    util.u64str(util.to_u64(first, "first")))
  T.eq(C.mcpi_proc_write(w.proc, msg, #msg), 0, k.name .. " write")
  local v = w:read_json(300, "in test_peers")
  if v.error then error(k.name .. ": " .. v.error, 2) end
  return U64(0) + util.to_u64(v.hits, "hits")
end

-- (seed, first, n). The Triton interpreter runs only the rows with n < 5000.
local ROWS = {
  { 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 2 }, { 0, 0, 3 }, { 5, 0, 101 }, { 42, 0, 1000 },
  { MAX64, 0, 7 }, { MAX64, 0, 4097 }, { 1, 1, 1 }, { 1, 1, 2 }, { 7, 3, 64 },
  { 12, 2 ^ 33 - 1001, 2002 }, { 13, 2 ^ 33 + 1, 999 }, { 14, 2 ^ 33 - 3, 9 },
  { MAX64, 2 ^ 34 - 7, 4001 }, { 9, 2 ^ 40 + 3, 300 }, { 2, 0, 1000001 },
  { "18446744073709551614", 0, 250001 },
}
do  -- random rows from a fixed seed, some across block 2^32
  local r = math.random
  math.randomseed(20261204)
  for _ = 1, 8 do
    local seed = U64(r(0, 2 ^ 31 - 1)) * 2 ^ 33 + r(0, 2 ^ 31 - 1)
    local first = r() < 0.5 and 0 or U64(2 ^ 33 - r(0, 2 ^ 16))
    ROWS[#ROWS + 1] = { seed, first, r(0, 300000) }
  end
end

for _, name in ipairs(PHILOX) do
  if usable(name) then
    local k = K.get(name)
    T.rows(name .. " agrees with c.scalar", ROWS, function(row)
      if name == "py.triton" and row[3] >= 5000 then return end
      local want = scalar.count(row[1], row[2], row[3])
      if row[2] == 0 then T.eq((k.call(row[3], row[1], nil, 2)), want, name .. " call") end
      T.eq(count_from(k, row[1], row[2], row[3]), want, name .. " from first")
    end)
  end
end

if usable("py.numba_par") then
  local k = K.get("py.numba_par")
  T.rows("py.numba_par: the same hits on 1, 2, 3 and 7 threads", {
    { 3, 1000001 }, { MAX64, 2000000 }, { 0, 99999 }, { 77, 1 },
  }, function(row)
    local want = scalar.count(row[1], 0, row[2])
    for _, t in ipairs{ 1, 2, 3, 7 } do
      T.eq((k.call(row[2], row[1], t, 1)), want, "threads " .. t)
    end
  end)
end

-- |4h/N - pi| * sqrt(N) < 5 * 4 sqrt(p(1-p)) = 5 * 1.642: a 5-sigma bound.
local SIGMA = 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4))
for name, n in pairs(RANDOM) do
  if usable(name) then
    local k = K.get(name)
    T.rows(name .. ": estimate within 5 sigma, reproducible per seed", { 1, 2, 3, MAX64 }, function(seed)
      local h = k.call(n, seed, nil, 1)
      local z = math.abs(4 * tonumber(h) / n - math.pi) * math.sqrt(n) / SIGMA
      T.ok(z < 5, format("%s seed %s: z = %.2f", name, tostring(seed), z))
      T.eq((k.call(n, seed, nil, 1)), h, "same seed, same hits")
    end)
    T.test(name .. ": another seed, another count", function()
      T.ok(k.call(n, 11, nil, 1) ~= k.call(n, 12, nil, 1))
    end)
  end
end

if usable("py.numba") then
  T.test("a peer reports its runtime and libraries, and times itself", function()
    local k = K.get("py.numba")
    local info = k.start()
    T.eq(info.protocol, "mcpi-worker/1")
    T.ok(info.runtime:find("^CPython 3%."), info.runtime)
    T.ok(type(info.libraries.numba) == "string", cjson.encode(info.libraries))
    local _, m = k.call(1000000, 1, nil, 3)
    T.ok(m.seconds > 0 and m.seconds < 60, tostring(m.seconds))
  end)
  T.test("a bad request gets an error reply and the worker goes on", function()
    local k = K.get("py.numba")
    T.raises("first must be in 0..", count_from, k, 1, U64(2) ^ 62, 10)
    T.eq(count_from(k, 42, 0, 1000), scalar.count(42, 0, 1000))
  end)
end

K.stop_all()
T.done()
