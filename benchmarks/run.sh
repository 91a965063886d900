#!/usr/bin/env bash
# Builds and runs the benchmark set (about 12 minutes on a quiet 2-core machine, half of them the incremental rows P6b,
# P6b-u, P7, P8 and P9; 20 or more when it is busy) and writes benchmarks/target/results/latest.md.
#   --record       also copy the results to benchmarks/results/latest.md (the committed figures)
#   --rounds N     interleaved baseline/subject pairs per timed ratio (default 5)
#   --only P1,P6   run only these rows (ids as in the results table)
# Other arguments go to the report, e.g. --p4-bytes 1073741824 for a shorter heap run.
set -euo pipefail
cd "$(dirname "$0")/.."
record=false
args=()
for a in "$@"; do
  if [[ "$a" == "--record" ]]; then record=true; else args+=("$a"); fi
done
mvn -B -ntp -q package -DskipTests -pl benchmarks -am
out=benchmarks/target/results/latest.md
java -jar benchmarks/target/benchmarks.jar --out "$out" "${args[@]+"${args[@]}"}"
if $record; then
  cp "$out" benchmarks/results/latest.md
  echo "recorded in benchmarks/results/latest.md"
fi
