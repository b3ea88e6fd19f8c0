--- mcpi.luakernels: the kernels written in Lua, as a list of specs that
-- mcpi.kernels registers. (Skeleton: lua.jit; the rest arrive with the
-- kernels issue.)

local random, randomseed = math.random, math.randomseed

local function plain_loop(n, seed)
  randomseed(tonumber(seed))
  local hits = 0
  for _ = 1, tonumber(n) do
    local x, y = random(), random()
    if x * x + y * y < 1 then hits = hits + 1 end
  end
  return hits
end

return {
  { name = "lua.jit", stream = "lua-random",
    description = "the plain loop with math.random, traced by LuaJIT",
    fn = plain_loop },
}
