# CLI: commands, exit codes and messages.
. "$(dirname "$0")/lib.sh"

run "$MCPI" version
expect_rc 0 "version"
expect_out '^mcpi [0-9]+\.[0-9]+\.[0-9]+ \(commit ' "version names mcpi and commit"
expect_out 'LuaJIT 2\.1' "version names LuaJIT"

run "$MCPI" lsit
expect_rc 2 "unknown command"
expect_err "^mcpi: unknown command 'lsit' \(did you mean 'list'\?" "unknown command suggests"

run "$MCPI" -e 'error("boom")'
expect_rc 1 "script error"
expect_err '^mcpi: \(command line\):1: boom' "script error message"
expect_err 'stack traceback' "script error traceback"

run "$MCPI" script /nonexistent.lua
expect_rc 2 "missing script"
expect_err "cannot open script '/nonexistent.lua'" "missing script message"

run "$MCPI" list
expect_rc 0 "list"
expect_out '^c\.scalar +c +philox +yes' "list shows c.scalar"

finish
