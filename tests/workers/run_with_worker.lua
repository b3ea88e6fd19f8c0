-- `mcpi run` with one more kernel, test.worker: the fake worker in MODE (tests/sh/test_worker.sh).
--   mcpi script tests/workers/run_with_worker.lua MODE TAG [KERNEL...] [options of 'mcpi run']
-- TAG goes onto the worker's command line so the test can look for it with pgrep -f.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
mcpi.kernels.register{
  name = "test.worker", stream = "philox", description = "the fake worker, mode " .. arg[1],
  command = { arg[-1], "script", here .. "/fake_worker.lua", arg[1], arg[2] },
  timeout = tonumber(os.getenv("TEST_WORKER_TIMEOUT") or "60"),
}
os.exit(require("mcpi.runcmd").main(arg, 3))
