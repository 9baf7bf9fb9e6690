#!/usr/bin/env bash
# Crash safety: kills `tally` with SIGKILL at random moments and checks the store afterwards.
#
#   Tests/Reliability/crash-test.sh [TRIALS]        (default 100)
#
# Environment:
#   TALLY_BIN     the tally binary to test (default: builds `swift build -c release`)
#   CRASH_ROWS    rows in the generated incident export (default 50000; 50k–200k is sensible)
#   CRASH_OPS     operations to interrupt (default "import snapshot rerun rollback extract")
#   CRASH_SEED    random seed (default: the process id; printed so a run can be repeated)
#   CRASH_WORK    work folder (default: a new temp folder; failing trials are kept there)
#   CRASH_JOB     a job file: adds the "job" operation (`tally run JOB`) when `tally run` exists
#
# Each trial copies a prepared store, starts one operation, kills it after a random delay drawn
# from [0, 1.15 × its uninterrupted duration] (narrowed when a trial finishes first), then requires:
#   1. `tally check` passes (it marks the killed run abandoned);
#   2. the entity table is exactly the before-state or the after-state of an uninterrupted run
#      (compared by a digest of `tally extract incident`), and no run is left `running`;
#   3. for extracts: every data file is the old one or the new one, whole, and
#      `sha256sum -c SHA256SUMS` passes;
#   4. finishing the work (running the same command again when the state is the before-state,
#      and always for extracts) reaches the after-state, and the extracts it gives
#      (incident, incident_metrics, rejects_by_rule, dangling_references as CSV) are
#      byte-identical to an uninterrupted run's; `tally check` still passes.
# Exit 0 when every trial passed, 1 otherwise (the failing trials' folders are kept).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/Tests/Reliability"
trials="${1:-100}"
rows="${CRASH_ROWS:-50000}"
ops=(${CRASH_OPS:-import snapshot rerun rollback extract})
seed="${CRASH_SEED:-$$}"
RANDOM=$seed
work="${CRASH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tally-crash.XXXXXX")}"
mkdir -p "$work"

log() { printf '%s\n' "$*" >&2; }
die() { log "crash-test: $*"; exit 2; }

if [ -n "${TALLY_BIN:-}" ]; then
  tally="$TALLY_BIN"
else
  log "crash-test: building release"
  (cd "$root" && swift build -c release >/dev/null) || die "swift build -c release failed"
  tally="$root/.build/release/tally"
fi
[ -x "$tally" ] || die "no tally binary at $tally"

# TODO(jobs): job-run trials. When `tally run` exists, CRASH_JOB=FILE adds a "job" operation
# (`tally run FILE`, killed like the others; the job lock STORE.lock must not block the finishing
# run once its holder is dead). Enabled automatically below when both are present.
if [ -n "${CRASH_JOB:-}" ] && "$tally" help run >/dev/null 2>&1; then ops+=(job); fi

now_ms() { date +%s%3N; }
# Runs tally in a store folder (relative --db, so kept inputs travel with copies of the folder).
in_store() { local dir="$1"; shift; (cd "$dir" && "$tally" "$@" --db store.db); }
digest() { in_store "$1" extract incident --out - --format ndjson 2>/dev/null | sha256sum | cut -c1-16; }
reports() { in_store "$1" extract incident incident_metrics rejects_by_rule dangling_references --out "$2" --format csv >/dev/null 2>&1; }
command_for() {
  case "$1" in
    import)   echo "import $work/data/v2.csv --entity incident" ;;
    snapshot) echo "import $work/data/snapshot.csv --entity incident --snapshot --max-retire 0.1" ;;
    rerun)    echo "rerun 2" ;;
    rollback) echo "rollback 2" ;;
    extract)  echo "extract incident incident_metrics run_summary --out out --format csv" ;;
    job)      echo "run $CRASH_JOB" ;;
  esac
}
base_for() {
  case "$1" in
    import|snapshot|job) echo v1 ;;
    rerun) echo rolledback ;;
    rollback|extract) echo v2 ;;
  esac
}

# ---- set-up: data, base stores, uninterrupted references ------------------------------------
log "crash-test: seed $seed, $trials trials, $rows rows, work folder $work"
mkdir -p "$work/data" "$work/base" "$work/ref"
awk -v rows="$rows" -v version=1 -f "$here/gen-incidents.awk" > "$work/data/v1.csv"
awk -v rows="$rows" -v version=2 -f "$here/gen-incidents.awk" > "$work/data/v2.csv"
awk -v rows="$rows" -v version=snapshot -f "$here/gen-incidents.awk" > "$work/data/snapshot.csv"
mkdir -p "$work/base/v1"
in_store "$work/base/v1" import "$work/data/v1.csv" --entity incident >/dev/null || die "base import failed"
cp -a "$work/base/v1" "$work/base/v2"
in_store "$work/base/v2" import "$work/data/v2.csv" --entity incident >/dev/null || die "second import failed"
cp -a "$work/base/v2" "$work/base/rolledback"
in_store "$work/base/rolledback" rollback 2 >/dev/null || die "base rollback failed"
in_store "$work/base/v1" extract incident incident_metrics run_summary --out out --format csv >/dev/null 2>&1 || die "base extract failed"
cp -a "$work/base/v1/out" "$work/base/old-out"; rm -rf "$work/base/v1/out"
for state in v1 v2 rolledback; do in_store "$work/base/$state" check >/dev/null 2>&1 || die "base store $state fails tally check"; done

declare -A duration before after
for op in "${ops[@]}"; do
  ref="$work/ref/$op"; rm -rf "$ref"; cp -a "$work/base/$(base_for "$op")" "$ref"
  [ "$op" = extract ] && cp -a "$work/base/old-out" "$ref/out"
  before[$op]=$(digest "$ref")
  start=$(now_ms)
  in_store "$ref" $(command_for "$op") >/dev/null 2>&1; status=$?
  duration[$op]=$(( $(now_ms) - start ))
  [ "$status" -le 1 ] || [ "$status" -eq 65 ] || die "uninterrupted $op exited $status"
  after[$op]=$(digest "$ref")
  reports "$ref" "$ref/reports" || die "reference extract after $op failed"
  log "crash-test: $op takes ${duration[$op]} ms uninterrupted (before ${before[$op]}, after ${after[$op]})"
done

# ---- trials ----------------------------------------------------------------------------------
failures=0; absent=0; committed=0; old_files=0; new_files=0; finished_before_kill=0
declare -A per_op
fail() { log "  FAIL trial $trial ($op): $*"; failed=1; }
for ((trial = 1; trial <= trials; trial++)); do
  op=${ops[$(( (trial - 1) % ${#ops[@]} ))]}
  dir="$work/trial"; rm -rf "$dir"; cp -a "$work/base/$(base_for "$op")" "$dir"
  [ "$op" = extract ] && cp -a "$work/base/old-out" "$dir/out"
  ref="$work/ref/$op"; failed=0
  limit=$(( duration[$op] * 115 / 100 + 1 ))
  delay=$(( (RANDOM * 32768 + RANDOM) % limit ))
  (cd "$dir" && exec "$tally" $(command_for "$op") --db store.db >"$dir/op.log" 2>&1) &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then killed=yes; else
    killed=no; finished_before_kill=$((finished_before_kill + 1))
    # It finished within `delay`: the calibration (taken once, maybe on a busier machine) was
    # too long, so later trials of this operation draw from the shorter range.
    [ "$delay" -lt "${duration[$op]}" ] && duration[$op]=$delay
  fi
  wait "$pid" 2>/dev/null

  # 1. the store holds (the dead run is marked abandoned)
  in_store "$dir" check >"$dir/check.log" 2>&1 || fail "tally check failed after the kill: $(grep -E 'FAIL|error' "$dir/check.log" | head -3)"
  [ -z "$(in_store "$dir" runs --status running 2>/dev/null | sed 1d)" ] || fail "a run is still running after tally check"
  # 2. wholly committed or wholly absent
  state=$(digest "$dir")
  if [ "$state" = "${before[$op]}" ]; then outcome=absent; absent=$((absent + 1))
  elif [ "$state" = "${after[$op]}" ]; then outcome=committed; committed=$((committed + 1))
  else outcome=partial; fail "the entity table is neither the before- nor the after-state (digest $state)"; fi
  # 3. extract files: old or new, whole; checksums verify
  if [ "$op" = extract ]; then
    old=0; new=0
    for file in "$ref"/out/*.csv; do
      name=$(basename "$file")
      if cmp -s "$dir/out/$name" "$file"; then new=$((new + 1))
      elif cmp -s "$dir/out/$name" "$work/base/old-out/$name"; then old=$((old + 1))
      else fail "out/$name is neither the old nor the new file"; fi
    done
    absent=$((absent - 1))  # counted above: an extract leaves the tables alone
    if [ "$new" = 0 ]; then outcome=old-files; old_files=$((old_files + 1))
    elif [ "$old" = 0 ]; then outcome=new-files; new_files=$((new_files + 1))
    else outcome=mixed; fi
    (cd "$dir/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) || fail "SHA256SUMS does not verify after the kill"
  fi
  # 4. finishing the work reaches the uninterrupted state, byte for byte
  if [ "$outcome" = absent ] || [ "$op" = extract ]; then
    in_store "$dir" $(command_for "$op") >"$dir/finish.log" 2>&1; status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 65 ] || fail "finishing ($(command_for "$op")) exited $status: $(tail -1 "$dir/finish.log")"
  fi
  [ "$(digest "$dir")" = "${after[$op]}" ] || fail "after finishing, the entity table differs from an uninterrupted run's"
  if [ "$op" = extract ]; then
    for file in "$ref"/out/*.csv; do cmp -s "$dir/out/$(basename "$file")" "$file" || fail "finished extract $(basename "$file") differs"; done
    (cd "$dir/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) || fail "SHA256SUMS does not verify after finishing"
  fi
  reports "$dir" "$dir/reports" || fail "the report extract failed after finishing"
  for file in "$ref"/reports/*.csv; do cmp -s "$dir/reports/$(basename "$file")" "$file" || fail "report $(basename "$file") differs from an uninterrupted run's"; done
  in_store "$dir" check >"$dir/check2.log" 2>&1 || fail "tally check failed after finishing"

  per_op[$op]=$(( ${per_op[$op]:-0} + 1 ))
  printf 'trial %3d %-8s kill at %5d ms of ~%d (killed: %s): %-9s %s\n' "$trial" "$op" "$delay" "${duration[$op]}" "$killed" "$outcome" \
    "$([ $failed = 0 ] && echo ok || echo FAILED)"
  if [ "$failed" != 0 ]; then
    failures=$((failures + 1)); mkdir -p "$work/failures"; mv "$dir" "$work/failures/trial-$trial-$op"
  fi
done

summary=""; for op in "${ops[@]}"; do summary+=" $op=${per_op[$op]:-0}"; done
echo "crash-test: $trials trials (seed $seed, $rows rows;$summary): $failures failure(s); killed mid-run $((trials - finished_before_kill)); run wholly absent $absent, wholly committed $committed; extract left the old files $old_files, the new files $new_files"
[ "$failures" -eq 0 ] && { [ -n "${CRASH_WORK:-}" ] || rm -rf "$work"; }
[ "$failures" -eq 0 ]
