#!/usr/bin/env bash
# Builds and runs the benchmark set (a few minutes on 2 cores) and writes benchmarks/results/latest.md.
# Extra arguments go to the report, e.g. --p4-bytes 1073741824 for a shorter heap run.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q package -DskipTests -pl benchmarks -am
java -jar benchmarks/target/benchmarks.jar --out benchmarks/results/latest.md "$@"
