#!/usr/bin/env bash
# Start-up time of the command-line tool: N cold starts (a new JVM each) of `java -jar checkpointer.jar <args>`,
# wall clock from fork to exit, reported as median, p90, min and max with the machine's load.
#
#   bash benchmarks/cli-startup.sh                  # N=20 of --version and --help, report in target/cli-startup/
#   bash benchmarks/cli-startup.sh --record         # also writes benchmarks/results/cli-startup.md (a deliberate run)
#   N=50 JAR=path/to/checkpointer.jar bash benchmarks/cli-startup.sh
#   BASELINE_JAR=old/checkpointer.jar bash benchmarks/cli-startup.sh   # also measures another jar, alternating with
#                                                                    # this one command by command
#
# Builds cli/target/checkpointer.jar first when it is missing. The target (issue 17): --version under 0.6 s median on
# the project's 2-core machines. Run it on a quiet machine: every other process competes for the same cores.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-20}"
JAR="${JAR:-cli/target/checkpointer.jar}"
JAVA="${JAVA:-java}"
RECORD=false
for a in "$@"; do
  case "$a" in
    --record) RECORD=true ;;
    *) echo "usage: $0 [--record]" >&2; exit 2 ;;
  esac
done

if [[ ! -f "$JAR" ]]; then
  mvn -B -ntp -q -pl cli -am package -DskipTests
fi

OUT=target/cli-startup
mkdir -p "$OUT"

# Prints one line per run of jar $1 with the remaining arguments: elapsed milliseconds.
measure() {
  local jar=$1 i start end
  shift
  "$JAVA" -jar "$jar" "$@" >/dev/null 2>&1 # warm the page cache once; not counted
  for ((i = 0; i < N; i++)); do
    start=$(date +%s%N)
    "$JAVA" -jar "$jar" "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
  done
}

# "median p90 min max" of the numbers on stdin (nearest-rank percentiles).
stats() {
  sort -n | awk '{v[NR] = $1} END {
    m = int((NR + 1) / 2); p = int(NR * 0.9 + 0.999999); if (p > NR) p = NR
    printf "%d %d %d %d\n", v[m], v[p], v[1], v[NR]
  }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "n/a")
rows=()
for args in "--version" "--help"; do
  measure "$JAR" $args > "$OUT/${args#--}.ms"
  read -r med p90 min max < <(stats < "$OUT/${args#--}.ms")
  rows+=("| \`$args\` | $N | $med | $p90 | $min | $max |")
  if [[ -n "${BASELINE_JAR:-}" ]]; then
    measure "$BASELINE_JAR" $args > "$OUT/${args#--}.baseline.ms"
    read -r med p90 min max < <(stats < "$OUT/${args#--}.baseline.ms")
    rows+=("| \`$args\`, baseline ($(awk -v b="$(stat -c %s "$BASELINE_JAR")" 'BEGIN {printf "%.1f MB", b / 1e6}')) | $N | $med | $p90 | $min | $max |")
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "n/a")

jar_bytes=$(stat -c %s "$JAR")
report="$OUT/cli-startup.md"
{
  echo "# CLI start-up"
  echo
  echo "\`java -jar $(basename "$JAR")\` ($(awk -v b="$jar_bytes" 'BEGIN {printf "%.1f MB", b / 1e6}')), a new JVM per run, wall clock in milliseconds;"
  echo "target: \`--version\` median under 600 ms on a 2-core machine. Written by \`benchmarks/cli-startup.sh\`."
  echo
  echo "| command | runs | median | p90 | min | max |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
  echo "- machine: $(nproc) cores, load average (1, 5, 15 min) before $load_before, after $load_after"
  echo "- java: $("$JAVA" -version 2>&1 | head -1)"
  if [[ -n "${BASELINE_JAR:-}" ]]; then
    echo "- baseline: ${BASELINE_LABEL:-$BASELINE_JAR}"
  fi
} > "$report"
cat "$report"
if $RECORD; then
  mkdir -p benchmarks/results
  cp "$report" benchmarks/results/cli-startup.md
  echo "recorded in benchmarks/results/cli-startup.md"
fi
