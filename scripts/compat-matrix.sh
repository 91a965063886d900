#!/usr/bin/env bash
# Compatibility matrix (issue 15): the library on every supported Jackson line and Spring Boot line, on each Java.
#
#   scripts/compat-matrix.sh                 every row; writes compat/results.md
#   scripts/compat-matrix.sh --jackson-only  the Jackson rows only (Spring Boot rows print "not run"); writes compat/results.md
#   scripts/compat-matrix.sh --quick         the reduced row only (what `mvn verify` runs: Jackson 2.15 on Java 17);
#                                            writes target/compat/results.md, never the committed table
#
# Java homes: JAVA17_HOME, JAVA21_HOME, JAVA25_HOME (defaults: the Debian JDK 17 and Temurin 25 under /usr/lib/jvm; a
# JDK 21 is looked for there too). A Java whose home is missing, or whose `java -version` is another major, gets rows
# that say "not run" and why; they never count as passed.
#
# Jackson rows: `mvn -pl compat/jackson -am verify -Dcompat.jackson.version=V`, tests of compat/jackson only. They
# build api and the stores from this checkout (-am) instead of taking them from ~/.m2, which other checkouts on the
# same machine install into. Spring Boot rows: one `mvn install -DskipTests` of the reactor first, then per row exactly
# `mvn -B -ntp -pl compat/spring-boot verify -P boot-X.Y`; a row during which another build replaced one of our
# artifacts in ~/.m2 is marked INVALID (a failure), since it may not have tested this checkout.
#
# Every row runs even when an earlier one failed; each writes target/compat/<row>.log and keeps its test reports in
# target/compat/<row>/. The exit status is 1 when any row failed, 0 otherwise (rows "not run" are not failures).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/target/compat"

# The newest patch of each minor line that resolves from Maven Central here (tried with dependency:get, newest first).
JACKSON_VERSIONS=(2.15.4 2.16.2 2.17.3 2.18.12 2.19.4 2.20.2 2.21.8 2.22.4)
OLDEST_JACKSON=${JACKSON_VERSIONS[0]}
BOOT_LINES=(3.3 3.4 3.5 4.0 4.1)
JAVAS=(17 21 25)

quick=false
jackson_only=false
for arg in "$@"; do
    case "$arg" in
        --quick) quick=true ;;
        --jackson-only) jackson_only=true ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
    esac
done

if $quick; then
    RESULTS="$OUT/results.md"
else
    RESULTS="$ROOT/compat/results.md"
fi
rm -rf "$OUT"
mkdir -p "$OUT"

# --- Java homes -------------------------------------------------------------------------------------------------------

find_jdk() { # major -> a home under /usr/lib/jvm whose name says that major, or nothing
    local home
    for home in /usr/lib/jvm/*-"$1"-* /usr/lib/jvm/*-"$1"; do
        if [[ -x "$home/bin/java" ]]; then echo "$home"; return 0; fi
    done
    return 0
}

java_major() { # home -> the major version its `java -version` reports
    "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
}

declare -A JAVA_HOME_OF JAVA_SKIP
JAVA_HOME_OF[17]=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA_HOME_OF[21]=${JAVA21_HOME:-$(find_jdk 21)}
JAVA_HOME_OF[25]=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
for v in "${JAVAS[@]}"; do
    home=${JAVA_HOME_OF[$v]}
    if [[ -z "$home" || ! -x "$home/bin/java" ]]; then
        JAVA_SKIP[$v]="not run: no JDK $v on this machine (set JAVA${v}_HOME)"
    elif [[ "$(java_major "$home")" != "$v" ]]; then
        JAVA_SKIP[$v]="not run: $home is Java $(java_major "$home"), not $v"
    else
        JAVA_SKIP[$v]=""
    fi
done

# --- rows -------------------------------------------------------------------------------------------------------------

ROWS=()      # markdown table lines
FAILED=0
RAN=0

slug() { echo "$1" | tr -cs 'A-Za-z0-9.\n' '-' ; }

add_row() { # row java library result tests seconds log
    ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |")
}

not_run() { # row reason
    add_row "$1" "—" "—" "$2" "—" "—" "—"
}

report_counts() { # report dirs... -> "tests failures errors skipped", summed over their TEST-*.xml
    find "$@" -maxdepth 1 -name 'TEST-*.xml' -exec grep -h -m1 -o '<testsuite [^>]*>' {} + 2>/dev/null | awk '
        function attr(name,   m) { return match($0, " " name "=\"[0-9]+\"") ? substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4) + 0 : 0 }
        { t += attr("tests"); f += attr("failures"); e += attr("errors"); s += attr("skipped") }
        END { print t + 0, f + 0, e + 0, s + 0 }'
}

table_cell() { # stdin -> one line, fit for a markdown table cell
    tr '\n' ';' | sed 's/|/\\|/g; s/;$//; s/;/; /g' | cut -c1-400
}

why_failed() { # reports log -> the linkage errors the tests hit (NoSuchMethodError etc.), else Maven's first error
    local linkage
    linkage=$(grep -rhoE '(NoSuchMethodError|NoSuchFieldError|NoClassDefFoundError|AbstractMethodError|IncompatibleClassChangeError|ClassNotFoundException)[^<&"]{0,200}' \
        "$1" 2>/dev/null | sort -u | head -3 | table_cell || true)
    if [[ -n "$linkage" ]]; then echo "$linkage"; return 0; fi
    grep -m1 -E '^\[ERROR\] .*(\.java:|Tests run:|Failed to execute|Could not|Non-resolvable)' "$2" 2>/dev/null \
        | sed 's/^\[ERROR\] //; s#'"$ROOT"'/##g' | table_cell || true
}

prop() { # file key
    [[ -f "$1" ]] && grep -m1 "^$2=" "$1" | cut -d= -f2- || true
}

m2_fingerprint() { # checksums of every snapshot jar of ours in the local repository
    find "$HOME/.m2/repository/dev/checkpointer" -name '*-SNAPSHOT*.jar' 2>/dev/null | sort | xargs -r sha256sum 2>/dev/null || true
}

# run_row ROW JAVA MODULE_DIR MVN_ARGS...: runs Maven on that Java, reads what the tests reported, adds the row.
run_row() {
    local row=$1 java=$2 module=$3; shift 3
    local home=${JAVA_HOME_OF[$java]} name log rc start seconds reports runtime counts
    name=$(slug "$row")
    log="$OUT/$name.log"
    reports="$OUT/$name"
    rm -rf "$ROOT/$module/target"
    echo "== $row: mvn $*" | tee "$log"
    start=$(date +%s)
    if JAVA_HOME="$home" PATH="$home/bin:$PATH" mvn "$@" >>"$log" 2>&1; then rc=0; else rc=$?; fi
    seconds=$(( $(date +%s) - start ))
    RAN=$((RAN + 1))

    mkdir -p "$reports"
    cp -r "$ROOT/$module/target/surefire-reports" "$ROOT/$module/target/failsafe-reports" \
        "$ROOT/$module/target/compat-runtime.properties" "$reports/" 2>/dev/null || true
    runtime="$reports/compat-runtime.properties"
    read -r tests failures errors skipped <<<"$(report_counts "$reports/surefire-reports" "$reports/failsafe-reports")"

    local java_used library result
    if [[ -f "$runtime" ]]; then
        java_used="$(prop "$runtime" java.version) ($(prop "$runtime" java.vendor))"
        library="$(prop "$runtime" library) $(prop "$runtime" library.version)"
    else
        java_used="$("$home/bin/java" -version 2>&1 | sed -n 1p | tr -d '"') (JAVA_HOME; tests did not report)"
        library="not reported"
    fi

    if [[ $rc -ne 0 ]]; then
        result="FAIL (exit $rc: $failures failed, $errors errors): $(why_failed "$reports" "$log")"
    elif [[ $tests -eq 0 ]]; then
        result="FAIL (ran no test)"
    elif [[ "$module" == compat/jackson && ! -f "$runtime" ]]; then
        result="FAIL (tests did not report the Java and Jackson they ran on)"
    else
        result="PASS"
    fi
    if [[ -n "${M2_BEFORE:-}" && "$module" != compat/jackson && "$(m2_fingerprint)" != "$M2_BEFORE" ]]; then
        result="INVALID (another build replaced our artifacts in ~/.m2 during the row); $result"
    fi
    [[ "$result" == PASS ]] || FAILED=$((FAILED + 1))
    echo "   $result, $tests tests, ${seconds}s, log $log"
    add_row "$row" "$java_used" "$library" "$result" "$tests" "$seconds" "${log#"$ROOT"/}"
}

jackson_row() { # version java
    local row="Jackson $1, Java $2"
    if [[ -n "${JAVA_SKIP[$2]}" ]]; then not_run "$row" "${JAVA_SKIP[$2]}"; return 0; fi
    run_row "$row" "$2" compat/jackson -B -ntp -pl compat/jackson -am verify -Dcompat.jackson.version="$1" \
        -Dtest='dev.checkpointer.compat.jackson.**' -Dsurefire.failIfNoSpecifiedTests=false -Dmaven.javadoc.skip
}

boot_row() { # line java why-not
    local row="Spring Boot $1 (boot-$1), Java $2"
    if [[ -n "$3" ]]; then not_run "$row" "$3"; return 0; fi
    if [[ -n "${JAVA_SKIP[$2]}" ]]; then not_run "$row" "${JAVA_SKIP[$2]}"; return 0; fi
    run_row "$row" "$2" compat/spring-boot -B -ntp -pl compat/spring-boot verify -P "boot-$1"
}

if $quick; then
    jackson_row "$OLDEST_JACKSON" 17
else
    boot_skip=""
    if $jackson_only; then
        boot_skip="not run: --jackson-only"
    elif [[ ! -f "$ROOT/compat/spring-boot/pom.xml" ]]; then
        boot_skip="not run: module compat/spring-boot missing"
    else
        echo "== install the reactor (for the Spring Boot rows, which take our artifacts from ~/.m2)"
        if JAVA_HOME="${JAVA_HOME_OF[17]}" mvn -B -ntp install -DskipTests -Dmaven.javadoc.skip >"$OUT/install.log" 2>&1; then
            M2_BEFORE=$(m2_fingerprint)
        else
            boot_skip="not run: mvn install failed (target/compat/install.log)"
            FAILED=$((FAILED + 1))
        fi
    fi
    for java in "${JAVAS[@]}"; do
        for v in "${JACKSON_VERSIONS[@]}"; do jackson_row "$v" "$java"; done
    done
    for java in "${JAVAS[@]}"; do
        for line in "${BOOT_LINES[@]}"; do boot_row "$line" "$java" "$boot_skip"; done
    done
fi

# --- results ----------------------------------------------------------------------------------------------------------

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- . ':!compat/results.md' 2>/dev/null || commit="$commit (with uncommitted changes)"
{
    echo "# Compatibility matrix"
    echo
    echo "Written by \`scripts/compat-matrix.sh${*:+ $*}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(mvn -v 2>/dev/null | sed -n 1p | sed 's/\x1b\[[0-9;]*m//g')."
    echo "\"Java\" and \"library loaded\" are what the test JVM reported about itself; logs are under \`target/compat/\`."
    echo
    echo "| row | Java (ran the tests) | library loaded | result | tests | seconds | log |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "$RAN rows ran, $FAILED failed."
} >"$RESULTS"

echo
cat "$RESULTS"
echo
echo "written to ${RESULTS#"$ROOT"/}"
[[ $FAILED -eq 0 ]]
