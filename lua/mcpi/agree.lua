--- mcpi.agree: did the philox kernels of a result set draw the same samples?
-- Checked, not assumed: every repetition row of stream "philox" is grouped by
-- (n, seed), and the hits of all kernels at one (n, seed) must be equal.
--   local a = agree.philox(res.rows)  --> {kernels = {...}, points = P,
--       shared = S, mismatches = {"k: h hits at N = n, seed s; k2: h2", ...}}
--   io.write(agree.line(a))            --> one sentence, or the mismatches
local format, concat, sort, tostring = string.format, table.concat, table.sort, tostring

local M = {}

local function text(v) return (tostring(v):gsub("U?LL$", "")) end

--- Compare hits of the philox rows at equal (n, seed). Returns a table:
-- kernels (sorted names), points (distinct (n, seed)), shared (comparisons
-- made: rows whose (n, seed) another kernel had too), mismatches (messages).
function M.philox(rows)
  local first, names, shared, bad, points = {}, {}, 0, {}, 0
  for _, r in ipairs(rows or {}) do
    if r.stream == "philox" and r.hits ~= nil and r.row ~= "summary" then
      local key = text(r.n) .. "/" .. text(r.seed)
      local h = text(r.hits)
      names[r.kernel] = true
      local f = first[key]
      if f == nil then
        first[key], points = { h, r.kernel }, points + 1
      elseif f[1] ~= h then
        bad[#bad + 1] = format("%s: %s hits at N = %s, seed %s; %s: %s", r.kernel, h,
          text(r.n), text(r.seed), f[2], f[1])
      elseif f[2] ~= r.kernel then
        shared = shared + 1
      end
    end
  end
  local kernels = {}
  for k in pairs(names) do kernels[#kernels + 1] = k end
  sort(kernels)
  return { kernels = kernels, points = points, shared = shared, mismatches = bad }
end

--- The sentence for a result of M.philox: "" when fewer than two philox
-- kernels took part.
function M.line(a)
  if #a.mismatches > 0 then
    return format("the philox kernels did NOT draw the same samples (%d hit counts differ):\n  %s\n",
      #a.mismatches, concat(a.mismatches, "\n  "))
  end
  if #a.kernels < 2 then return "" end
  return format("%d philox kernels (%s) drew the same samples: their hits agree at all %d "
    .. "(N, seed) points (%d comparisons, checked)\n", #a.kernels, concat(a.kernels, ", "),
    a.points, a.shared)
end

return M
