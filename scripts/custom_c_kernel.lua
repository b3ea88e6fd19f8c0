-- Demonstrates a user kernel in C: build scripts/mykernel.c into a shared library, load it with ffi.load and register it as "user.splitmix".
-- Run: mcpi script scripts/custom_c_kernel.lua [N]   (needs gcc; see mykernel.c for the build line)
local ffi = require "ffi"
local kernels = mcpi.kernels
local util = mcpi.util

local n = tonumber(arg[1] or "10000000")

-- Build the library next to nothing: a fresh temporary file each run, so an
-- edited mykernel.c is always what runs.
local dir = (arg[0]:match("^(.*)/[^/]*$") or ".")
local so = os.tmpname() .. ".so"
local cmd = string.format("gcc -O2 -shared -fPIC -o %q %q", so, dir .. "/mykernel.c")
if os.execute(cmd) ~= 0 then error("could not build the kernel: " .. cmd, 0) end

ffi.cdef[[ int my_count(uint64_t seed, uint64_t n, uint64_t *hits); ]]
local lib = ffi.load(so)
os.remove(so)  -- the mapping stays; the file is no longer needed

local hits = ffi.new("uint64_t[1]")
kernels.register{
  name = "user.splitmix", stream = "splitmix64",
  description = "my C kernel: splitmix64 samples, from scripts/mykernel.c",
  fn = function(n, seed)  -- n and seed arrive checked, as uint64_t
    local rc = lib.my_count(seed, n, hits)
    if rc == 3 then util.interrupted() end
    if rc ~= 0 then error("my_count failed with " .. rc, 0) end
    return hits[0]
  end,
}

-- Usable everywhere a built-in kernel is: listed, found by name, checked.
for _, name in ipairs{ "user.splitmix", "c.simd" } do
  local k = kernels.get(name)
  local t0 = mcpi.capi.mcpi_clock_ns()
  local h = k.fn(n, 1)
  local ns = tonumber(mcpi.capi.mcpi_clock_ns() - t0)
  local pi_hat = 4 * tonumber(h) / n
  print(string.format("%-14s %-11s hits %-10s pi ~ %.6f  %.2f ns/sample", name, k.stream,
    util.u64str(h), pi_hat, ns / n))
end
