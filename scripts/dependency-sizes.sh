#!/usr/bin/env bash
# What each published library module brings to an application: the number of third-party jars on its runtime class
# path (compile + runtime scope, transitively; optional dependencies and what only they bring are left out, as Maven
# leaves them out for users) and their size in MiB. checkpointer's own artifacts are not counted.
#
#   scripts/dependency-sizes.sh             # prints the table, also written to target/dependency-sizes.md
#   scripts/dependency-sizes.sh --readme    # also replaces the table in README.md (between the dependency-sizes marks)
#
# Resolves through the reactor (no install needed), with this build's versions; jars are read from ~/.m2/repository
# (MAVEN_REPO to change it).
set -euo pipefail
cd "$(dirname "$0")/.."

UPDATE_README=false
for a in "$@"; do
  case "$a" in
    --readme) UPDATE_README=true ;;
    *) echo "usage: $0 [--readme]" >&2; exit 2 ;;
  esac
done

MODULES=(api store-memory store-filesystem store-s3 store-azure store-gcs)
list=$(IFS=,; echo "${MODULES[*]}")
mvn -B -ntp -q -pl "$list" -am dependency:tree -Dscope=runtime -DoutputFile=target/dependency-sizes.tree >/dev/null

mkdir -p target
out=target/dependency-sizes.md
python3 - "${MODULES[@]}" > "$out" <<'PY'
import os, re, sys
repo = os.path.expanduser(os.environ.get("MAVEN_REPO", "~/.m2/repository"))
print("| module | third-party jars | MiB |")
print("|---|---|---|")
for module in sys.argv[1:]:
    lines = open(f"{module}/target/dependency-sizes.tree").read().splitlines()[1:]  # line 0: the module itself
    count, size, skip_below = 0, 0, None
    for line in lines:
        m = re.match(r"^([| +\\-]*)(\S+)(.*)$", line)
        depth = len(m.group(1)) // 3
        if skip_below is not None and depth > skip_below:
            continue  # brought only by an optional dependency: users do not get it
        skip_below = None
        if "(optional)" in m.group(3):
            skip_below = depth
            continue
        parts = m.group(2).split(":")  # group:artifact:type[:classifier]:version:scope
        group, artifact, typ, version = parts[0], parts[1], parts[2], parts[-2]
        classifier = parts[3] if len(parts) == 6 else None
        if group == "dev.checkpointer":
            continue
        name = f"{artifact}-{version}" + (f"-{classifier}" if classifier else "") + f".{typ}"
        count += 1
        size += os.path.getsize(os.path.join(repo, group.replace(".", "/"), artifact, version, name))
    print(f"| `checkpointer-{module}` | {count} | {size / 1048576:.1f} |")
PY
cat "$out"

if $UPDATE_README; then
  python3 - "$out" <<'PY'
import re, sys
table = open(sys.argv[1]).read()
readme = open("README.md").read()
begin, end = "<!-- dependency-sizes:begin -->", "<!-- dependency-sizes:end -->"
if begin not in readme or end not in readme:
    sys.exit("README.md has no dependency-sizes marks")
new = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: begin + "\n" + table + end, readme, flags=re.S)
open("README.md", "w").write(new)
print("README.md updated")
PY
fi
