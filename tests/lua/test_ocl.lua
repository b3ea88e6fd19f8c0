-- ocl.philox on this machine's OpenCL device (PoCL on the CPU in CI): the
-- same hits as c.scalar for every (seed, first, n) row under launch shapes
-- that divide nothing (local sizes 1, 4, 16; odd group counts; odd blocks per
-- work-item, so one call takes many launches), the contract's call with host
-- and device seconds, the context info, bounded launches (a 2^53 call stops
-- at its timeout); and the cut rule MPI shares with c.threads.
local T = dofile("tests/harness.lua")
local ffi = require "ffi"
local C = require "mcpi.capi"
local K = require "mcpi.kernels"
local ocl = require "mcpi.ocl"

local U64 = ffi.typeof("uint64_t")
local ok, why = K.get("ocl.philox").available()

T.test("ocl.philox is available (make test installs PoCL)", function()
  T.ok(ok, "ocl.philox unavailable: " .. tostring(why))
end)

local ref = K.get("c.scalar")
local SEEDS = { U64(0), U64(1), U64(42), U64(0xffffffffffffffffULL) }
local FIRSTS = { 0, 1, 2, 3, 2 ^ 33 - 3 }
local NS = { 0, 1, 2, 3, 5, 63, 64, 65, 1001, 65537, 300001 }
local SHAPES = {
  { local_size = 64, groups = 0, per_item = 4096 },   -- the default
  { local_size = 4, groups = 3, per_item = 7 },
  { local_size = 16, groups = 5, per_item = 13 },
  { local_size = 1, groups = 2, per_item = 3 },
}

if ok then
  local k = K.get("ocl.philox")
  for _, shape in ipairs(SHAPES) do
    T.test(string.format("hits equal c.scalar: local %d, groups %d, %d blocks per item",
      shape.local_size, shape.groups, shape.per_item), function()
      ocl.configure(shape)
      local rows = 0
      for _, seed in ipairs(SEEDS) do
        for _, first in ipairs(FIRSTS) do
          for _, n in ipairs(NS) do
            -- the tiny shapes take ~n/6 launches: keep their rows small
            if shape.groups > 0 and shape.local_size < 16 and n > 65537 then n = 4099 end
            T.eq(k.count(seed, first, n), ref.count(seed, first, n),
              string.format("seed %s first %s n %d", tostring(seed), tostring(first), n))
            rows = rows + 1
          end
        end
      end
      T.eq(rows, #SEEDS * #FIRSTS * #NS)
    end)
  end

  T.test("fn from sample 0, N odd and large", function()
    ocl.configure(SHAPES[1])
    for _, n in ipairs{ 1, 999999, 3000001 } do
      T.eq(k.fn(n, 7), ref.fn(n, 7), "n " .. n)
    end
  end)

  T.test("call: one call's hits, host seconds for all calls, device seconds per call", function()
    local hits, m = ocl.call(U64(1000003), U64(5), nil, 3, nil)
    T.eq(hits, ref.fn(1000003, 5))
    T.ok(m.seconds > 0 and m.device_seconds > 0, "seconds and device_seconds > 0")
    T.ok(m.device_seconds <= m.seconds, "a call's device time fits in the host's time of 3 calls")
  end)

  T.test("start: platform, device and driver for the context", function()
    local info = ocl.start()
    for _, f in ipairs{ "platform", "platform_version", "device", "device_version", "driver" } do
      T.ok(type(info[f]) == "string" and #info[f] > 0, f)
    end
    T.eq(info.runtime, "OpenCL")
    T.ok(info.local_size >= 1 and info.groups >= 1, "launch shape recorded")
  end)

  T.test("N = 2^53 runs in bounded launches: the call stops at its timeout", function()
    local floor = ocl.CALL_TIMEOUT
    ocl.CALL_TIMEOUT = 0.2  -- the least a call is given (60 s by default)
    local t0 = C.mcpi_clock_ns()
    local ok, err = pcall(ocl.call, U64(2) ^ 53, U64(1), nil, 1, { timeout = 0.01 })
    ocl.CALL_TIMEOUT = floor
    T.eq(ok, false)
    T.ok(tostring(err):find("ocl.philox: the call ran past its timeout", 1, true), tostring(err))
    T.ok(tonumber(C.mcpi_clock_ns() - t0) < 30e9, "stopped within 30 s")
  end)

  T.test("a timeout below the floor does not cut a call short (a loaded machine is not a hang)", function()
    -- the sweep asks 10x the predicted call, microseconds at small N; a
    -- launch slowed by other load must still finish (the study once lost
    -- ocl.philox at N = 10 this way)
    local hits = ocl.call(U64(1e6), U64(1), nil, 1, { timeout = 1e-6 })
    T.eq(tostring(hits), tostring(mcpi.kernels.get("c.scalar").fn(1e6, 1)))
  end)
end

T.test("mcpi_threads_cut: contiguous shares that tile first..first+n-1", function()
  for _, first in ipairs{ 0, 1, 100, 2 ^ 40 + 3 } do
    for _, n in ipairs{ 0, 1, 2, 3, 5, 64, 65, 1000, 123457 } do
      for parts = 1, 7 do
        local f, nn, p = U64(first), U64(n), U64(parts)
        T.eq(C.mcpi_threads_cut(f, nn, p, 0), f)
        T.eq(C.mcpi_threads_cut(f, nn, p, p), f + nn)
        for i = 1, parts - 1 do
          local a, b = C.mcpi_threads_cut(f, nn, p, i - 1), C.mcpi_threads_cut(f, nn, p, i)
          T.ok(a <= b and b <= f + nn, "monotone")
          T.ok(b == f or b % 64 == 0, "starts on a 64-sample boundary")
        end
      end
    end
  end
end)

T.done()
