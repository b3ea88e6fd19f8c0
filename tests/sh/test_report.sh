# mcpi report: one self-contained HTML file; exit codes and messages.
. "$(dirname "$0")/lib.sh"
d=tests/data

run "$MCPI" report $d/plot_known.json -o "$tmp/r.html"
expect_rc 0 "report"
expect_out "^$tmp/r.html$" "prints the path"
if xmllint --noout "$tmp/r.html" 2>/dev/null; then pass; else fail "report is well-formed"; fi
n=$(grep -c '<svg ' "$tmp/r.html")
if [ "$n" = 8 ]; then pass; else fail "8 inline charts, got $n"; fi
if grep -q '<script' "$tmp/r.html"; then fail "no JavaScript"; else pass; fi

cp $d/plot_one.json "$tmp/one.json"
run "$MCPI" report "$tmp/one.json"
expect_rc 0 "default output"
expect_out "^$tmp/one.html$" "RESULTS.json -> RESULTS.html"

run "$MCPI" report $d/plot_known.json -o "$tmp/t.html" --title "Run <1>"
expect_rc 0 "--title"
if grep -q '<h1>Run &lt;1&gt;</h1>' "$tmp/t.html"; then pass; else fail "title escaped"; fi

run "$MCPI" report $d/plot_nan.json -o "$tmp/nan.html"
expect_rc 0 "NaN values"

run "$MCPI" report /nonexistent.json
expect_rc 2 "missing file"
expect_err "^mcpi: report: cannot open '/nonexistent.json': No such file or directory$" "missing file message"

run "$MCPI" report $d/plot_notjson.json -o "$tmp/x.html"
expect_rc 1 "not JSON"
expect_err "is not JSON" "not JSON message"

run "$MCPI" report $d/plot_badschema.json -o "$tmp/x.html"
expect_rc 1 "wrong schema"
expect_err "schema 'other/2' is not supported" "schema message"

run "$MCPI" report $d/plot_known.json --tilte x
expect_rc 2 "unknown option"
expect_err "^mcpi: report: unknown option '--tilte' \(did you mean '--title'\?" "unknown option message"

run "$MCPI" report $d/plot_known.json -o "$tmp/no/such/r.html"
expect_rc 2 "unwritable output"
expect_err "^mcpi: report: cannot write '$tmp/no/such/r.html': No such file or directory$" "unwritable message"

run "$MCPI" report
expect_rc 2 "no file"
expect_err "^mcpi: report: missing RESULTS.json" "no file message"

finish
