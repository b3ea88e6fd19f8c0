--- mcpi.progress: the progress bar a sweep draws on stderr -- done fraction
-- by predicted cost, elapsed time and ETA, redrawn at most every 0.1 s.
--   if progress.isatty(2) then progress.draw(state, "1/4  c.simd n=1e6 rep 1/3") end
--   progress.clear(state)
-- state: t0 (start, seconds), predicted and done_cost (seconds of the plan),
-- bar (drawn at all); drawn is kept here.
local C = require "mcpi.capi"

local pcall, require, tonumber, format = pcall, require, tonumber, string.format
local floor, min, huge = math.floor, math.min, math.huge
local stderr = io.stderr
local clock_ns = C.mcpi_clock_ns

local M = {}

local function now() return tonumber(clock_ns()) / 1e9 end

--- Whether file descriptor fd is a terminal (the host's mcpi.host.isatty).
function M.isatty(fd)
  local ok, host = pcall(require, "mcpi.host")
  return ok and host.isatty(fd) or false
end

local function clock_text(s)
  if not (s >= 0 and s < huge) then return "?" end
  s = floor(s + 0.5)
  if s >= 3600 then return format("%d:%02d:%02d", floor(s / 3600), floor(s / 60) % 60, s % 60) end
  return format("%d:%02d", floor(s / 60), s % 60)
end

--- Redraw the bar with label (at most every 0.1 s).
function M.draw(state, label)
  local t = now()
  if t - (state.drawn or 0) < 0.1 then return end
  state.drawn = t
  local frac = state.predicted > 0 and min(1, state.done_cost / state.predicted) or 0
  local elapsed = t - state.t0
  local eta = frac > 0.02 and elapsed * (1 - frac) / frac or (state.predicted - state.done_cost)
  local width = 24
  local fill = floor(frac * width + 0.5)
  stderr:write(format("\r\27[K[%s%s] %3d%% %s  elapsed %s  ETA %s", ("#"):rep(fill),
    ("."):rep(width - fill), floor(frac * 100 + 0.5), label, clock_text(elapsed), clock_text(eta)))
  stderr:flush()
end

--- Erase the bar, if one was drawn, so the next line starts clean.
function M.clear(state)
  if state.bar and state.drawn then stderr:write("\r\27[K"); stderr:flush() end
end

return M
