#!/usr/bin/env bash
# Crash safety: kills `tally` with SIGKILL at random moments and checks the store afterwards.
#
#   Tests/Reliability/crash-test.sh [TRIALS]        (default 100)
#
# Environment:
#   TALLY_BIN     the tally binary to test (default: builds `swift build -c release`)
#   CRASH_ROWS    rows in the generated incident export (default 50000; 50k–200k is sensible)
#   CRASH_OPS     operations to interrupt (default "first import snapshot rerun rollback extract job";
#                 "first" is the first import into an empty store, written under the rollback journal)
#   CRASH_SEED    random seed (default: the process id; printed so a run can be repeated)
#   CRASH_WORK    work folder (default: a new temp folder; failing trials are kept there)
#   CRASH_XFS     "auto" (default): the job archives onto another file system — a tmpfs mounted
#                 for the trials (root), else /dev/shm when it is one — so its moves are copies;
#                 "no": the archive beside the drop folder (one file system, moves are renames)
#
# The "job" operation is `tally run job.json`, a job file the script writes beside the store: it
# imports a generated problem export (CRASH_ROWS/4 problems without references, so no report
# names a run) and two incident deltas (v2, then v3: one glob, two files) — three runs —,
# archives each file once its run commits, and extracts incident, problem, incident_metrics,
# rejects_by_rule and dangling_references into out/.
#
# Each trial copies a prepared store, starts one operation, kills it after a random delay drawn
# from [0, 1.15 × its uninterrupted duration] (narrowed when a trial finishes first), then requires:
#   1. `tally check` passes (it marks the killed run abandoned) and no run (nor job run) is left
#      `running`;
#   2. the entity tables are exactly a state an uninterrupted run passes through: the before- or
#      the after-state (compared by a digest of `tally extract incident`); for the job, the state
#      at one of its run boundaries (a digest of the incident and problem extracts, computed from
#      uninterrupted runs of the job cut after 0, 1, 2 and 3 runs): each run wholly committed or
#      wholly absent;
#   3. for extracts: every data file is the old one or the new one, whole, and
#      `sha256sum -c SHA256SUMS` passes; for the job: every extract file present is the final
#      one, whole, `SHA256SUMS` passes where present, and every input is in the drop folder or
#      the archive, once, archived only if its run committed;
#   4. finishing the work (running the same command again when the state is the before-state,
#      and always for extracts and the job — the dead job's lock must not block it) reaches the
#      after-state, and the extracts it gives (incident, incident_metrics, rejects_by_rule,
#      dangling_references as CSV; for the job also its own out/ files) are byte-identical to an
#      uninterrupted run's; the job leaves its drop folder empty, each input archived once, no
#      lock file; `tally check` still passes.
# Exit 0 when every trial passed, 1 otherwise (the failing trials' folders are kept).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/Tests/Reliability"
trials="${1:-100}"
rows="${CRASH_ROWS:-50000}"
ops=(${CRASH_OPS:-first import snapshot rerun rollback extract job})
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

now_ms() { date +%s%3N; }
# Runs tally in a store folder (relative --db, so kept inputs travel with copies of the folder).
in_store() { local dir="$1"; shift; (cd "$dir" && "$tally" "$@" --db store.db); }
# The state of the entity tables an operation writes: a digest of their extracts.
entities_for() { [ "$1" = job ] && echo "incident problem" || echo incident; }
digest() {
  local dir="$1" entity; shift
  for entity in ${@:-incident}; do
    in_store "$dir" extract "$entity" --out - --format ndjson 2>/dev/null || echo "extract $entity failed"
  done | sha256sum | cut -c1-16
}
# The content hashes of the job's input files found under a folder, sorted (with "whole": not
# counting a killed copy's temp file, `.NAME.tmp-PID`, which is never an archived file).
input_hashes() {
  [ -d "$1" ] || return 0
  if [ "${2:-}" = whole ]; then find "$1" -type f ! -name '.*.tmp-*' -exec sha256sum {} +
  else find "$1" -type f -exec sha256sum {} +; fi | cut -c1-64 | sort
}
# How many job runs are left `running` (0 when sqlite3 is not installed: `tally check` covers them).
running_job_runs() { command -v sqlite3 >/dev/null 2>&1 && sqlite3 "$1/store.db" "SELECT count(*) FROM job_runs WHERE status = 'running'" || echo 0; }
reports() { in_store "$1" extract incident incident_metrics rejects_by_rule dangling_references --out "$2" --format csv >/dev/null 2>&1; }
command_for() {
  case "$1" in
    first)    echo "import $work/data/v1.csv --entity incident" ;;
    import)   echo "import $work/data/v2.csv --entity incident" ;;
    snapshot) echo "import $work/data/snapshot.csv --entity incident --snapshot --max-retire 0.1" ;;
    rerun)    echo "rerun 2" ;;
    rollback) echo "rollback 2" ;;
    extract)  echo "extract incident incident_metrics run_summary --out out --format csv" ;;
    job)      echo "run job.json" ;;
  esac
}
base_for() {
  case "$1" in
    first) echo empty ;;
    import|snapshot) echo v1 ;;
    job) echo job ;;
    rerun) echo rolledback ;;
    rollback|extract) echo v2 ;;
  esac
}

# ---- set-up: data, base stores, uninterrupted references ------------------------------------
log "crash-test: seed $seed, $trials trials, $rows rows, work folder $work"
# The job's archive: on another file system when one can be had (its moves are then copies).
xfs=""
if [ "${CRASH_XFS:-auto}" != no ]; then
  mkdir -p "$work/xfs"
  if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=2g tmpfs "$work/xfs" 2>/dev/null; then
    xfs="$work/xfs"; trap 'umount "$work/xfs" 2>/dev/null' EXIT
  elif [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$work")" ]; then
    xfs=$(mktemp -d /dev/shm/tally-crash-xfs.XXXXXX); trap 'rm -rf "$xfs"' EXIT
  fi
  if [ -n "$xfs" ]; then log "crash-test: the job archives across file systems, into $xfs/archive"
  else log "crash-test: no second file system (no tmpfs mount, no /dev/shm): the job archives on one file system"; fi
fi
# Where a job in store folder $1 archives; archive_reset empties it before a job starts there.
archive_of() { if [ -n "$xfs" ]; then echo "$xfs/archive"; else echo "$1/archive"; fi; }
archive_reset() { [ -n "$xfs" ] && rm -rf "$xfs/archive"; true; }
mkdir -p "$work/data" "$work/base" "$work/ref"
awk -v rows="$rows" -v version=1 -f "$here/gen-incidents.awk" > "$work/data/v1.csv"
awk -v rows="$rows" -v version=2 -f "$here/gen-incidents.awk" > "$work/data/v2.csv"
awk -v rows="$rows" -v version=snapshot -f "$here/gen-incidents.awk" > "$work/data/snapshot.csv"
mkdir -p "$work/base/empty" "$work/base/v1"
in_store "$work/base/empty" init >/dev/null || die "tally init failed"
in_store "$work/base/v1" import "$work/data/v1.csv" --entity incident >/dev/null || die "base import failed"
cp -a "$work/base/v1" "$work/base/v2"
in_store "$work/base/v2" import "$work/data/v2.csv" --entity incident >/dev/null || die "second import failed"
cp -a "$work/base/v2" "$work/base/rolledback"
in_store "$work/base/rolledback" rollback 2 >/dev/null || die "base rollback failed"
in_store "$work/base/v1" extract incident incident_metrics run_summary --out out --format csv >/dev/null 2>&1 || die "base extract failed"
cp -a "$work/base/v1/out" "$work/base/old-out"; rm -rf "$work/base/v1/out"
for state in empty v1 v2 rolledback; do in_store "$work/base/$state" check >/dev/null 2>&1 || die "base store $state fails tally check"; done

# The job: v1's store, a drop folder with a problem export and two incident deltas, and job.json.
# Its runs, in the job's order: problem.csv, incident-1-v2.csv, incident-2-v3.csv. Every input is
# a pattern, as a drop folder's should be: a plain path is "missing" (exit 66, no extracts) once a
# run has archived it, so a job killed after its last archive move could not be finished.
# write_job FILE INCIDENT_GLOB [PROBLEM_GLOB] writes the job, or a shorter one for the boundaries.
write_job() {
  local problem=""
  [ -n "${3:-}" ] && problem=", {\"entity\": \"problem\", \"glob\": \"$3\"}"
  cat > "$1" <<JOB
{
  "comment": "Written by crash-test.sh: three runs (a problem export, two incident deltas), archived once committed, then the extracts.",
  "name": "crash",
  "inputs": [{"entity": "incident", "glob": "$2"}$problem],
  "archive": "${JOB_ARCHIVE:-archive}",
  "extracts": {"out": "out", "format": "csv", "names": ["incident", "problem", "incident_metrics", "rejects_by_rule", "dangling_references"]}
}
JOB
}
[ -n "$xfs" ] && JOB_ARCHIVE="$xfs/archive"
awk -v rows="$rows" -v version=3 -f "$here/gen-incidents.awk" > "$work/data/v3.csv"
cp -a "$work/base/v1" "$work/base/job"
mkdir -p "$work/base/job/drop"
cp "$work/data/v2.csv" "$work/base/job/drop/incident-1-v2.csv"
cp "$work/data/v3.csv" "$work/base/job/drop/incident-2-v3.csv"
awk -v rows="$(( rows / 4 ))" 'BEGIN {
  print "sys_id,number,short_description,state,priority,impact,urgency,category,opened_at,sys_updated_on,sys_mod_count"
  for (i = 1; i <= rows; i++) printf "%032x,PRB%07d,\"Generated problem %d, root cause %d\",%d,%d,%d,%d,%s,2026-01-%02d 09:00:00,2026-03-%02d 10:%02d:%02d,1\n", 1000000000 + i, i, i, i % 7, 101 + (i % 3), (i % 4) + 1, (i % 3) + 1, (i % 3) + 1, (i % 2 ? "Network" : "Database"), (i % 28) + 1, (i % 28) + 1, i % 60, (i * 13) % 60
}' > "$work/base/job/drop/problem.csv"
write_job "$work/base/job/job.json" "drop/incident-*.csv" "drop/problem*.csv"
# The job's run-boundary states: uninterrupted runs of the job cut after 0, 1, 2 and 3 runs.
job_states=()
for cut in 0 1 2 3; do
  boundary="$work/ref/job-cut-$cut"; rm -rf "$boundary"; cp -a "$work/base/job" "$boundary"
  case $cut in
    1) write_job "$boundary/job-cut.json" "drop/none-*.csv" "drop/problem*.csv" ;;
    2) write_job "$boundary/job-cut.json" "drop/incident-1-*.csv" "drop/problem*.csv" ;;
    3) cp "$boundary/job.json" "$boundary/job-cut.json" ;;
  esac
  if [ "$cut" -gt 0 ]; then
    archive_reset
    in_store "$boundary" run job-cut.json --stage import >/dev/null 2>&1; status=$?
    [ "$status" -le 1 ] || [ "$status" -eq 65 ] || die "the job cut after $cut run(s) exited $status"
    [ "$(in_store "$boundary" runs --job crash 2>/dev/null | sed 1d | grep -c committed)" = "$cut" ] || die "the job cut after $cut run(s) did not commit $cut run(s)"
  fi
  job_states+=("$(digest "$boundary" incident problem)")
  rm -rf "$boundary"
done
log "crash-test: job run-boundary states ${job_states[*]}"
job_inputs=$(input_hashes "$work/base/job/drop")

declare -A duration before after exit_status
for op in "${ops[@]}"; do
  ref="$work/ref/$op"; rm -rf "$ref"; cp -a "$work/base/$(base_for "$op")" "$ref"
  [ "$op" = extract ] && cp -a "$work/base/old-out" "$ref/out"
  before[$op]=$(digest "$ref" $(entities_for "$op"))
  [ "$op" = job ] && archive_reset
  start=$(now_ms)
  in_store "$ref" $(command_for "$op") >/dev/null 2>&1; status=$?
  duration[$op]=$(( $(now_ms) - start ))
  [ "$status" -le 1 ] || [ "$status" -eq 65 ] || die "uninterrupted $op exited $status"
  exit_status[$op]=$status
  after[$op]=$(digest "$ref" $(entities_for "$op"))
  if [ "$op" = job ]; then
    [ "${before[$op]}" = "${job_states[0]}" ] && [ "${after[$op]}" = "${job_states[3]}" ] \
      || die "the uninterrupted job's states (${before[$op]} → ${after[$op]}) are not its cuts' (${job_states[0]} → ${job_states[3]})"
    [ -z "$(input_hashes "$ref/drop")" ] && [ "$(input_hashes "$(archive_of "$ref")")" = "$job_inputs" ] || die "the uninterrupted job did not archive each input once"
    (cd "$ref/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) || die "the uninterrupted job's SHA256SUMS does not verify"
  fi
  reports "$ref" "$ref/reports" || die "reference extract after $op failed"
  log "crash-test: $op takes ${duration[$op]} ms uninterrupted (before ${before[$op]}, after ${after[$op]})"
done

# ---- trials ----------------------------------------------------------------------------------
failures=0; absent=0; committed=0; old_files=0; new_files=0; finished_before_kill=0; stale_locks=0; xfs_temps=0; xfs_both=0
declare -A per_op per_op_killed job_outcomes
fail() { log "  FAIL trial $trial ($op): $*"; failed=1; }
for ((trial = 1; trial <= trials; trial++)); do
  op=${ops[$(( (trial - 1) % ${#ops[@]} ))]}
  dir="$work/trial"; rm -rf "$dir"; cp -a "$work/base/$(base_for "$op")" "$dir"
  [ "$op" = extract ] && cp -a "$work/base/old-out" "$dir/out"
  [ "$op" = job ] && archive_reset
  ref="$work/ref/$op"; failed=0
  limit=$(( duration[$op] * 115 / 100 + 1 ))
  delay=$(( (RANDOM * 32768 + RANDOM) % limit ))
  (cd "$dir" && exec "$tally" $(command_for "$op") --db store.db >"$dir/op.log" 2>&1) &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null; status=$?
  # Killed only when SIGKILL ended it (status 128 + 9): a process that had already exited but
  # was not yet reaped accepts the signal too, and its status is its own exit code.
  if [ "$status" -eq 137 ]; then killed=yes; per_op_killed[$op]=$(( ${per_op_killed[$op]:-0} + 1 )); else
    killed=no; finished_before_kill=$((finished_before_kill + 1))
    # It finished within `delay`: the calibration (taken once, maybe on a busier machine) was
    # too long, so later trials of this operation draw from the shorter range.
    [ "$delay" -lt "${duration[$op]}" ] && duration[$op]=$delay
  fi
  lock_left=no; [ -e "$dir/store.db.lock" ] && lock_left=yes

  # 1. the store holds (the dead run is marked abandoned)
  in_store "$dir" check >"$dir/check.log" 2>&1 || fail "tally check failed after the kill: $(grep -E 'FAIL|error' "$dir/check.log" | head -3)"
  [ -z "$(in_store "$dir" runs --status running 2>/dev/null | sed 1d)" ] || fail "a run is still running after tally check"
  [ "$(running_job_runs "$dir")" = 0 ] || fail "a job run is still running after tally check"
  # 2. wholly committed or wholly absent (for the job: each of its runs)
  state=$(digest "$dir" $(entities_for "$op"))
  if [ "$op" = job ]; then
    outcome=partial
    for cut in 0 1 2 3; do [ "$state" = "${job_states[$cut]}" ] && outcome="runs-$cut/3"; done
    [ "$outcome" = partial ] && fail "the entity tables are at no run boundary of the job (digest $state)"
    job_outcomes[$outcome]=$(( ${job_outcomes[$outcome]:-0} + 1 ))
  elif [ "$state" = "${before[$op]}" ]; then outcome=absent; absent=$((absent + 1))
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
  # 3. the job: extract files whole and final; every input in the drop folder or the archive,
  # once, and archived only once its run committed (run order: problem, v2, v3)
  if [ "$op" = job ]; then
    for file in "$dir"/out/*.csv; do
      [ -f "$file" ] || continue
      [ "$outcome" = runs-3/3 ] || fail "out/$(basename "$file") was written before every run committed"
      cmp -s "$file" "$ref/out/$(basename "$file")" || fail "out/$(basename "$file") is not the uninterrupted job's file"
    done
    if [ -f "$dir/out/SHA256SUMS" ]; then
      (cd "$dir/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) || fail "out/SHA256SUMS does not verify after the kill"
    fi
    archive=$(archive_of "$dir")
    if [ -z "$xfs" ]; then
      [ "$( (input_hashes "$dir/drop"; input_hashes "$archive") | sort)" = "$job_inputs" ] \
        || fail "the inputs are not each in the drop folder or the archive, once"
    else
      # Across file systems a move is copy, rename, then removing the original: killed between the
      # last two, a file is whole in both places (the next job removes the original); a killed
      # copy leaves only a temp file. Never two archived copies, never a partial one.
      [ "$( (input_hashes "$dir/drop"; input_hashes "$archive" whole) | sort -u)" = "$job_inputs" ] \
        && [ -z "$(input_hashes "$archive" whole | uniq -d)" ] \
        || fail "the inputs are not each in the drop folder or the archive, whole and archived at most once"
      [ -n "$(find "$archive" -name '.*.tmp-*' 2>/dev/null)" ] && xfs_temps=$((xfs_temps + 1))
      [ -n "$(comm -12 <(input_hashes "$dir/drop") <(input_hashes "$archive" whole))" ] && xfs_both=$((xfs_both + 1))
    fi
    committed_runs=${outcome#runs-}; committed_runs=${committed_runs%/3}
    [ "$outcome" = partial ] && committed_runs=3  # already failed; the archive order is not checked
    for position in 1 2 3; do
      case $position in 1) file=problem.csv ;; 2) file=incident-1-v2.csv ;; 3) file=incident-2-v3.csv ;; esac
      if [ "$position" -gt "${committed_runs:-0}" ] && [ ! -f "$dir/drop/$file" ]; then
        fail "drop/$file was archived before its run committed"
      fi
    done
  fi
  # 4. finishing the work reaches the uninterrupted state, byte for byte
  if [ "$outcome" = absent ] || [ "$op" = extract ] || [ "$op" = job ]; then
    in_store "$dir" $(command_for "$op") >"$dir/finish.log" 2>&1; status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 65 ] || fail "finishing ($(command_for "$op")) exited $status: $(tail -1 "$dir/finish.log")"
    if [ "$op" = job ]; then
      # An uninterrupted clean job exits 0, and so must finishing it (65 is only possible when the
      # uninterrupted job had rejects too, whose run may have committed before the kill).
      [ "${exit_status[$op]}" -ne 0 ] || [ "$status" -eq 0 ] || fail "finishing the job exited $status, an uninterrupted job 0"
      if [ "$lock_left" = yes ]; then
        if grep -q "took over a stale lock" "$dir/finish.log"; then stale_locks=$((stale_locks + 1))
        else fail "the killed job left its lock file, and finishing did not say it took it over"; fi
      fi
    fi
  fi
  [ "$(digest "$dir" $(entities_for "$op"))" = "${after[$op]}" ] || fail "after finishing, the entity table differs from an uninterrupted run's"
  if [ "$op" = extract ] || [ "$op" = job ]; then
    for file in "$ref"/out/*.csv; do cmp -s "$dir/out/$(basename "$file")" "$file" || fail "finished extract $(basename "$file") differs"; done
    (cd "$dir/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) || fail "SHA256SUMS does not verify after finishing"
  fi
  if [ "$op" = job ]; then
    [ "$(cd "$dir/out" && ls)" = "$(cd "$ref/out" && ls)" ] || fail "the finished job's out/ holds other files than an uninterrupted job's"
    [ -z "$(input_hashes "$dir/drop")" ] || fail "finishing the job left inputs in the drop folder"
    [ "$(input_hashes "$(archive_of "$dir")")" = "$job_inputs" ] || fail "finishing the job did not leave each input archived once (and no temp file)"
    [ ! -e "$dir/store.db.lock" ] || fail "finishing the job left the lock file behind"
  fi
  reports "$dir" "$dir/reports" || fail "the report extract failed after finishing"
  for file in "$ref"/reports/*.csv; do cmp -s "$dir/reports/$(basename "$file")" "$file" || fail "report $(basename "$file") differs from an uninterrupted run's"; done
  in_store "$dir" check >"$dir/check2.log" 2>&1 || fail "tally check failed after finishing"

  per_op[$op]=$(( ${per_op[$op]:-0} + 1 ))
  printf 'trial %3d %-8s kill at %5d ms of ~%d (killed: %s): %-9s %s\n' "$trial" "$op" "$delay" "${duration[$op]}" "$killed" "$outcome" \
    "$([ $failed = 0 ] && echo ok || echo FAILED)"
  if [ "$failed" != 0 ]; then
    failures=$((failures + 1)); mkdir -p "$work/failures"; mv "$dir" "$work/failures/trial-$trial-$op"
    [ "$op" = job ] && [ -n "$xfs" ] && cp -a "$xfs/archive" "$work/failures/trial-$trial-$op/xfs-archive" 2>/dev/null
  fi
done

summary=""; killed_summary=""
for op in "${ops[@]}"; do summary+=" $op=${per_op[$op]:-0}"; killed_summary+=" $op=${per_op_killed[$op]:-0}"; done
job_summary=""; for cut in 0 1 2 3; do job_summary+=" ${job_outcomes[runs-$cut/3]:-0}"; done
echo "crash-test: $trials trials (seed $seed, $rows rows;$summary): $failures failure(s); killed mid-run $((trials - finished_before_kill)) (by op:$killed_summary); run wholly absent $absent, wholly committed $committed; extract left the old files $old_files, the new files $new_files; job left 0/1/2/3 of its 3 runs committed:$job_summary, its lock file taken over by the finishing job $stale_locks; archive across file systems: $([ -n "$xfs" ] && echo "yes (killed with a temp copy $xfs_temps, with a file whole in both places $xfs_both)" || echo no)"
[ "$xfs" = "$work/xfs" ] && umount "$work/xfs" 2>/dev/null
[ "$failures" -eq 0 ] && { [ -n "${CRASH_WORK:-}" ] || rm -rf "$work"; }
[ "$failures" -eq 0 ]
