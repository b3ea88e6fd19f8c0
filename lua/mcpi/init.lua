--- mcpi: the library. Submodules load on first use, so `mcpi -e ''` stays fast.
--   mcpi.kernels  registry of kernels      mcpi.util   argument checks
--   mcpi.capi     the C API (ffi.C)        mcpi.philox the philox stream in Lua
--   mcpi.kernel(name), mcpi.timed/accuracy/throughput/repeat/jitstats (decorators),
--   mcpi.sweep{...}, mcpi.logspace(a, b), mcpi.load(path) (results JSON), mcpi.stats
--   mcpi.errors   the exit protocol   mcpi.writer files and the row journal
--   mcpi.plot     SVG charts          mcpi.report HTML report   mcpi.svg  SVG writer
--   mcpi.bench(kernel_or_function [, n]) / mcpi.bench(a, b [, n])  a one-line timing
local M = { _VERSION = "mcpi 0.1.0" }

-- name -> module, or {module, field}
local lazy = {
  kernels = "mcpi.kernels",
  util = "mcpi.util",
  errors = "mcpi.errors",
  writer = "mcpi.writer",
  capi = "mcpi.capi",
  measure = "mcpi.measure",
  decorators = "mcpi.decorators",
  stats = "mcpi.stats",
  json = "mcpi.json",
  output = "mcpi.output",
  context = "mcpi.context",
  kernel = { "mcpi.measure", "kernel" },
  timed = { "mcpi.decorators", "timed" },
  accuracy = { "mcpi.decorators", "accuracy" },
  throughput = { "mcpi.decorators", "throughput" },
  ["repeat"] = { "mcpi.decorators", "repeat" },
  repeated = { "mcpi.decorators", "repeat" },
  jitstats = { "mcpi.decorators", "jitstats" },
  sweep = { "mcpi.sweep", "run" },
  logspace = { "mcpi.sweep", "logspace" },
  load = { "mcpi.results", "load" },
  results = "mcpi.results",
  plot = "mcpi.plot",
  report = "mcpi.report",
  svg = "mcpi.svg",
  philox = "mcpi.philox",
  paired = "mcpi.paired",
  bmf = "mcpi.bmf",
  compare = { "mcpi.compare", "compare" },
  bench = { "mcpi.bench", "run" },
}

setmetatable(M, {
  __index = function(t, k)
    local where = lazy[k]
    if where == nil then return nil end
    local v
    if type(where) == "table" then
      v = require(where[1])[where[2]]
    else
      v = require(where)
    end
    rawset(t, k, v)
    return v
  end,
})

return M
