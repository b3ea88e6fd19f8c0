--- mcpi.options: command lines from option tables. Every command (`run`,
-- `plot`, `report`, `compare`, scripts/sweep.lua) describes its options as
-- data -- the sweep's come from mcpi.fields -- and this module parses them
-- and writes the options part of the command's help from the same table, so
-- an option, its check and its help line cannot drift apart.
--   local values, args = options.parse("plot", argv, i, {
--     { opt = { "-o", "--output" }, field = "output", arg = "DIR", help = "where to write" } })
-- An option table: opt (a name, or a list of names), field (the key it
-- sets), kind (a mcpi.fields kind whose parse reads the text; none: the text
-- itself, non-empty) or parse (function(option, text, old) -> value | nil,
-- why), value (a flag: takes no text, sets field to value), empty (what the
-- message asks for when the text is empty),
-- arg and help (the help line; help may run over several lines).
-- Accepted forms: --opt VALUE, --opt=VALUE, -oVALUE for a one-letter option,
-- `--` (the rest are arguments); "-" and negative numbers are arguments.
local util = require "mcpi.util"
local fields = require "mcpi.fields"

local type, ipairs, tonumber, format, concat = type, ipairs, tonumber, string.format, table.concat
local sort = table.sort

local M = {}

--- Split "--opt=value" into "--opt", "value" (else a, nil).
function M.split(a)
  local k, v = a:match("^(%-%-[^=]+)=(.*)$")
  if k then return k, v end
  return a, nil
end

local HELP_OPTS = { "-h", "--help" }

-- name -> option table, and the sorted names (for did-you-mean).
local function index(defs)
  local by, names = {}, {}
  for _, d in ipairs(defs) do
    local opts = type(d.opt) == "table" and d.opt or { d.opt }
    for _, o in ipairs(opts) do by[o] = d; names[#names + 1] = o end
  end
  for _, o in ipairs(HELP_OPTS) do names[#names + 1] = o end
  sort(names)
  return by, names
end

local function takes_value(d) return d and d.value == nil end

--- Parse argv[i..] for command cmd with option tables defs (see: where
-- messages point for help, default "see 'mcpi help CMD'"). Returns the
-- values (field -> value) and the positional arguments, or nil when -h or
-- --help was given. Bad input raises util.usage (exit 2) with one line:
-- "CMD: unknown option '--x' (did you mean ...)", "CMD: --reps: 0 is below 1
-- (give ...)", "CMD: --json needs a file name", ...
function M.parse(cmd, argv, i, defs, see)
  see = see or format("see 'mcpi help %s'", cmd)
  local by, names = index(defs)
  local function fail(msg) util.usage(format("%s: %s", cmd, msg)) end
  local values, args = {}, {}
  while argv[i] ~= nil do
    local a = argv[i]
    local key, val = M.split(a)
    if a == "--" then
      for j = i + 1, #argv do args[#args + 1] = argv[j] end
      break
    elseif a:match("^%-%a.") and takes_value(by[a:sub(1, 2)]) then
      key, val = a:sub(1, 2), a:sub(3)   -- -n1e6, -oDIR
    end
    if key:sub(1, 1) == "-" and #key > 1 and not tonumber(key) then
      if key == "-h" or key == "--help" then return nil end
      local d = by[key]
      if not d then
        fail(format("unknown option %s%s", util.quote_arg(key),
          util.did_you_mean(key, names, see)))
      end
      if d.value ~= nil then
        if val then fail(format("%s takes no value", key)) end
        values[d.field] = d.value
      else
        if not val then
          i = i + 1
          val = argv[i]
          if val == nil then fail(format("%s needs a value (%s)", key, see)) end
        end
        local parse = d.parse or d.kind and fields.KINDS[d.kind].parse
        if val == "" and (not parse or d.kind == "names") then
          fail(format("%s needs %s", key, d.empty or (d.kind == "file" and "a file name") or "a non-empty value"))
        elseif parse then
          local v, why = parse(d, val, values[d.field])
          if v == nil then fail(format("%s: %s", key, why)) end
          values[d.field] = v
        else
          values[d.field] = val
        end
      end
    else
      args[#args + 1] = a
    end
    i = i + 1
  end
  return values, args
end

--- The options part of a help text: one entry per option table, "  OPT ARG"
-- in a column of width (default 18), then its help, continued lines aligned.
function M.help(defs, width)
  width = width or 18
  local out = {}
  for _, d in ipairs(defs) do
    if d.help then
      local head = concat(type(d.opt) == "table" and d.opt or { d.opt }, ", ") .. (d.arg and " " .. d.arg or "")
      local lines = {}
      for line in (d.help .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
      if #head > width then
        out[#out + 1] = "  " .. head
        out[#out + 1] = format("  %-" .. width .. "s %s", "", lines[1])
      else
        out[#out + 1] = format("  %-" .. width .. "s %s", head, lines[1])
      end
      for j = 2, #lines do out[#out + 1] = format("  %-" .. width .. "s %s", "", lines[j]) end
    end
  end
  return concat(out, "\n")
end

return M
