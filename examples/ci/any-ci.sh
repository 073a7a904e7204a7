#!/usr/bin/env bash
# veil in any CI (GitLab, Jenkins, Buildkite, cron): plain exit codes, and JUnit XML for the
# CI's test view.
#
#   examples/ci/any-ci.sh [COMMAND ...]      default: claude -p "Review the last commit …"
#
# Run it in the project the agent works on, with veil and veil-core on PATH and user namespaces
# allowed (`veil doctor` says whether they are). It writes into $VEIL_OUT (default ./veil-out):
#   record.jsonl  every exchange with the model (secrets redacted): keep it as an artifact
#   report.json   the counts and each finding (`veil report` reads it)
#   junit.xml     a testsuite, a failed testcase per finding at marker or above
# VEIL_UPSTREAM=stub runs against veil's built-in model (offline); unset, the real API.
#
# Exit status: veil run's. 0 passed; 3 the inspector found a marker or worse (the gate);
# 125 veil could not run the sandbox; 126/127 the command could not run; anything else is the
# agent's own. A report that is missing or unreadable makes it 2 even if the run said 0.
set -uo pipefail

out=${VEIL_OUT:-veil-out}
mkdir -p "$out"
if [ $# -eq 0 ]; then
    set -- claude -p "Review the last commit for bugs. Change nothing; list what you find."
fi
upstream=()
if [ -n "${VEIL_UPSTREAM:-}" ]; then upstream=(--upstream "$VEIL_UPSTREAM"); fi

veil run "${upstream[@]}" --record "$out/record.jsonl" --report "$out/report.json" --fail-on marker -- "$@"
status=$?

# The findings, whatever the run's status (a failed run is when they matter). `veil report`
# exits 3 when the gate fails, which the run's status already says; 2 when there is no report
# to read, which nothing else says.
veil report --format junit --fail-on marker "$out/report.json" > "$out/junit.xml"
report=$?
if [ $report -eq 0 ] || [ $report -eq 3 ]; then
    veil report "$out/report.json" >&2
else
    rm -f "$out/junit.xml"
    [ $status -ne 0 ] || status=$report
fi

case $status in
    0) echo "veil: passed" >&2 ;;
    3) echo "veil: the inspector found a host marker or worse: see $out/junit.xml and $out/record.jsonl" >&2 ;;
    125) echo "veil: the sandbox could not start (see above; \`veil doctor\` explains)" >&2 ;;
esac
exit $status
