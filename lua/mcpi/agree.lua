--- mcpi.agree: did kernels draw the same samples? Checked from hits, not
-- assumed; the one place that compares hit counts across kernels.
-- philox(rows): every repetition row of stream "philox" is grouped by (n,
-- seed), and the hits of all kernels at one (n, seed) must be equal (the
-- exit status of `mcpi run` and the study depends on it).
-- identical(rows): per stream, which kernels agree at every (n, seed) they
-- share (the answer's "identical samples" line).
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

--- Kernels of one stream whose hits agree at every (n, seed) both measured
-- (at least one), from rows {kernel, stream, n, seed, hits} in kernel order.
-- Returns groups (sorted lists of two or more names, streams in name order)
-- and conflicts ({a, b, n, seed}: same stream, n and seed, different hits).
function M.identical(rows)
  local by_stream, order = {}, {}
  for _, r in ipairs(rows or {}) do
    if r.stream and r.hits ~= nil and r.row ~= "summary" then
      local st = by_stream[r.stream]
      if not st then st = { kernels = {}, hits = {} }; by_stream[r.stream] = st; order[#order + 1] = r.stream end
      local h = st.hits[r.kernel]
      if not h then h = {}; st.hits[r.kernel] = h; st.kernels[#st.kernels + 1] = r.kernel end
      h[text(r.n) .. "/" .. text(r.seed)] = { text(r.hits), r.n, r.seed }
    end
  end
  sort(order)
  local groups, conflicts = {}, {}
  for _, name in ipairs(order) do
    local st, placed = by_stream[name], {}
    for i, a in ipairs(st.kernels) do
      if not placed[a] then
        local g = { a }
        for j = i + 1, #st.kernels do
          local b, shared, same = st.kernels[j], 0, true
          for key, ha in pairs(st.hits[a]) do
            local hb = st.hits[b][key]
            if hb then
              shared = shared + 1
              if ha[1] ~= hb[1] then
                same = false
                conflicts[#conflicts + 1] = { a = a, b = b, n = ha[2], seed = ha[3] }
              end
            end
          end
          if shared > 0 and same and not placed[b] then g[#g + 1] = b; placed[b] = true end
        end
        if #g > 1 then sort(g); groups[#groups + 1] = g end
      end
    end
  end
  sort(conflicts, function(x, y)
    if x.a ~= y.a or x.b ~= y.b then return x.a .. "\0" .. x.b < y.a .. "\0" .. y.b end
    if x.n ~= y.n then return x.n < y.n end
    return text(x.seed) < text(y.seed)
  end)
  return groups, conflicts
end

return M
