#!/usr/bin/env bash
# Dry run of a release: builds the published modules with the `release` profile, signs every artifact with a
# throw-away gpg key and deploys them into a local directory (target/staging) instead of Maven Central, then checks
# that each published module has its pom, jar, sources and javadoc jars, each with a valid .asc signature.
#
#   scripts/release-dry-run.sh
#
# Needs gpg. Nothing is installed into ~/.m2 (install is skipped) and nothing leaves the machine; the key lives in a
# temporary GNUPGHOME under target/ and is deleted at the end. Tests are skipped: `mvn -B -ntp verify` is their run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WORK=$ROOT/target/release-dry-run
STAGING=$ROOT/target/staging
rm -rf "$WORK" "$STAGING"
mkdir -p "$WORK"
# A short path: gpg-agent's socket path must stay under ~100 characters.
export GNUPGHOME
GNUPGHOME=$(mktemp -d "${TMPDIR:-/tmp}/ckpt-gpg.XXXXXX")
chmod 700 "$GNUPGHOME"
cleanup() {
  gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf "$GNUPGHOME"
}
trap cleanup EXIT

gpg --batch --quiet --passphrase '' --quick-generate-key 'checkpointer release dry run <dry-run@checkpointer.invalid>' \
    ed25519 sign 1d 2>"$WORK/gpg-keygen.log"
KEY=$(gpg --batch --list-secret-keys --with-colons | awk -F: '$1 == "fpr" {print $10; exit}')
echo "throw-away signing key $KEY (GNUPGHOME $GNUPGHOME)"

# artifactId directory in the repository layout, for each published module.
PUBLISHED=(
  checkpointer-parent:pom
  checkpointer-bom:pom
  checkpointer-api:jar
  checkpointer-store-memory:jar
  checkpointer-store-filesystem:jar
  checkpointer-store-s3:jar
  checkpointer-store-azure:jar
  checkpointer-store-gcs:jar
  checkpointer-testkit:jar
  checkpointer-spring-boot-starter:jar
  checkpointer-cli:jar
)

start=$(date +%s)
mvn -B -ntp -Prelease deploy \
    -pl .,bom,api,store-memory,store-filesystem,store-s3,store-azure,store-gcs,testkit,spring-boot,cli \
    -DskipTests -Dmaven.install.skip=true \
    -DaltDeploymentRepository="dry-run::file://$STAGING" \
    -Dgpg.keyname="$KEY" -Dgpg.homedir="$GNUPGHOME" \
    > "$WORK/mvn.log" 2>&1 || { tail -40 "$WORK/mvn.log"; echo "release dry run: the build failed (log: $WORK/mvn.log)"; exit 1; }
echo "built, signed and staged in $(( $(date +%s) - start )) s (log: target/release-dry-run/mvn.log)"

failures=0
report=$WORK/report.md
{
  echo "| artifact | files | signatures |"
  echo "|---|---|---|"
} > "$report"
for entry in "${PUBLISHED[@]}"; do
  artifact=${entry%%:*}
  packaging=${entry##*:}
  dir=$(find "$STAGING/dev/checkpointer/$artifact" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
  if [[ -z "$dir" ]]; then
    echo "| $artifact | MISSING | |" >> "$report"; failures=$((failures + 1)); continue
  fi
  suffixes=(".pom")
  if [[ $packaging == jar ]]; then
    suffixes+=(".jar" "-sources.jar" "-javadoc.jar")
  fi
  found=()
  for sfx in "${suffixes[@]}"; do
    # the newest file of that kind (a SNAPSHOT deploy names it with a timestamp); the main jar is the one without
    # a classifier
    f=$(ls -t "$dir"/*"$sfx" 2>/dev/null | { if [[ $sfx == .jar ]]; then grep -v -- '-sources.jar$\|-javadoc.jar$\|-tests.jar$'; else cat; fi; } | head -1 || true)
    if [[ -z "$f" ]]; then
      echo "  $artifact: no *$sfx"; failures=$((failures + 1)); continue
    fi
    if [[ ! -f "$f.asc" ]]; then
      echo "  $artifact: $(basename "$f") has no signature"; failures=$((failures + 1)); continue
    fi
    if ! gpg --batch --quiet --verify "$f.asc" "$f" 2>>"$WORK/gpg-verify.log"; then
      echo "  $artifact: bad signature on $(basename "$f")"; failures=$((failures + 1)); continue
    fi
    found+=("${sfx#.}")
  done
  echo "| $artifact | ${found[*]} | ${#found[@]}/${#suffixes[@]} valid |" >> "$report"
done
cat "$report"
if ((failures > 0)); then
  echo "release dry run FAILED: $failures missing or unsigned artifacts (staged in target/staging)"
  exit 1
fi
echo "release dry run OK: every published module staged with pom, jar, sources, javadoc and valid signatures in target/staging"
