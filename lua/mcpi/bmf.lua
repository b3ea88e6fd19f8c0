--- mcpi.bmf: results in Bencher Metric Format (BMF), the JSON that Bencher
-- (`bencher run --adapter json`) and github-action-benchmark's custom tools
-- read without a converter:
--   { "c.simd/N=1e6": { "latency":    { "value": ns, "lower_value": ns, "upper_value": ns },
--                       "throughput": { "value": samples/s, "lower_value": .., "upper_value": .. },
--                       "speedup":    { "value": x, "lower_value": .., "upper_value": .. } } }
-- One benchmark per summary row (kernel, N). latency: median nanoseconds per
-- call with the 95% bootstrap CI of the median; throughput: samples per
-- second (N / the latency and its bounds); speedup: against the baseline
-- kernel with its paired 95% CI, where the row has one.
local json = require "mcpi.json"
local output = require "mcpi.output"

local type, ipairs, format, huge = type, ipairs, string.format, math.huge
local concat, sort = table.concat, table.sort

local M = {}

local function finite(v) return type(v) == "number" and v == v and v > -huge and v < huge end

--- The benchmark name of a summary row: "KERNEL/N=1e6".
function M.name(s) return format("%s/N=%s", s.kernel, output.count(s.n)) end

local function measure(v, lo, hi)
  local m = { value = v }
  if finite(lo) and finite(hi) then m.lower_value, m.upper_value = lo, hi end
  return m
end

--- BMF object (a Lua table) of a list of summary rows.
function M.of(summary)
  if type(summary) ~= "table" then error(format("bmf: summary must be a list of rows, got %s", type(summary)), 2) end
  local doc = {}
  for _, s in ipairs(summary) do
    local t = s.seconds_median
    if type(s) == "table" and s.kernel ~= nil and finite(t) and t > 0 then
      local b = {}
      b.latency = measure(t * 1e9, s.seconds_ci_lo and s.seconds_ci_lo * 1e9, s.seconds_ci_hi and s.seconds_ci_hi * 1e9)
      if finite(s.n) then
        b.throughput = measure(s.n / t, finite(s.seconds_ci_hi) and s.seconds_ci_hi > 0 and s.n / s.seconds_ci_hi,
          finite(s.seconds_ci_lo) and s.seconds_ci_lo > 0 and s.n / s.seconds_ci_lo)
      end
      if finite(s.speedup) and s.kernel ~= s.baseline then
        b.speedup = measure(s.speedup, s.speedup_lo, s.speedup_hi)
      end
      doc[M.name(s)] = b
    end
  end
  return doc
end

--- BMF JSON text of a list of summary rows (benchmarks in name order).
function M.encode(summary)
  local doc = M.of(summary)
  local names = {}
  for k in pairs(doc) do names[#names + 1] = k end
  sort(names)
  local parts = {}
  for _, k in ipairs(names) do
    local ms = {}
    for _, m in ipairs{ "latency", "throughput", "speedup" } do
      if doc[k][m] then
        ms[#ms + 1] = format("%s:%s", json.encode(m), json.encode(doc[k][m], { "value", "lower_value", "upper_value" }))
      end
    end
    parts[#parts + 1] = format("%s:{%s}", json.encode(k), concat(ms, ","))
  end
  return "{\n" .. concat(parts, ",\n") .. "\n}\n"
end

--- Write the BMF of summary rows to path (temporary file, renamed).
-- Returns true, or nil, err.
function M.write(summary, path)
  if type(path) ~= "string" or path == "" then error(format("bmf: path must be a file name, got %s", type(path)), 2) end
  return json.write_file(path, M.encode(summary))
end

return M
