#!/usr/bin/env bash
# A/B of one benchmark between two builds, round by round: ab.sh JAR_A JAR_B BENCHMARK_REGEX [ROUNDS] [JMH options...]
# Each round runs the benchmark from both jars, each in its own fork, alternating which goes first, and prints the
# median (min-max) of the pairwise ratios time(A) / time(B) (above 1: B is faster). Build the second jar from another
# commit with e.g. `git worktree add /tmp/old <commit> && (cd /tmp/old && mvn -B -ntp -q package -DskipTests -pl benchmarks -am)`.
# Output goes under target/ab/.
set -euo pipefail
a=$1; b=$2; bench=$3; rounds=${4:-5}; shift $(( $# < 4 ? $# : 4 ))
out=target/ab/$(date +%Y%m%dT%H%M%S); mkdir -p "$out"
run() { local jar=$1 f=$2; shift 2; java -cp "$jar" org.openjdk.jmh.Main "$bench" -f 1 -rf csv -rff "$f" "$@" > "$f.log" 2>&1 || { cat "$f.log"; exit 1; }; }
score() { python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["Score"])' "$1"; }
for ((r = 0; r < rounds; r++)); do
  if (( r % 2 == 0 )); then run "$a" "$out/a$r.csv" "$@"; run "$b" "$out/b$r.csv" "$@"; else run "$b" "$out/b$r.csv" "$@"; run "$a" "$out/a$r.csv" "$@"; fi
  echo "round $r: A $(score "$out/a$r.csv") B $(score "$out/b$r.csv")"
done
python3 - "$out" "$rounds" <<'PY'
import csv, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
s = lambda f: float(next(csv.DictReader(open(f)))["Score"])
r = [s(f"{out}/a{i}.csv") / s(f"{out}/b{i}.csv") for i in range(n)]
print(f"time(A)/time(B): median {statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f}, {n} pairs)")
PY
