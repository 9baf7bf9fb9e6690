#!/usr/bin/env bash
# Tally benchmarks, side by side with sqlite3 .import and sqlite-utils, on the same files in one run.
#
#   Benchmarks/run.sh [ROWS]        (default 1000000; RUNS=3 runs per figure, median reported;
#                                    SU_RUNS for the sqlite-utils figures, default RUNS)
#
# Generates data under .build-bench/data/ROWS (cached), builds release, measures, prints the
# table, saves the raw samples to Benchmarks/results/ROWS.tsv and rewrites Benchmarks/RESULTS.md
# from every results/*.tsv present. See Benchmarks/README.md.
set -u -o pipefail

ROWS=${1:-1000000}
RUNS=${RUNS:-3}
SU_RUNS=${SU_RUNS:-$RUNS}   # sqlite-utils takes minutes per run at 1M rows; SU_RUNS=1 for a quick look
# STEPS: which figures to measure (default all); APPEND=1 adds them to the existing results/ROWS.tsv
# instead of starting it afresh (to finish an interrupted run: STEPS="su extract job" APPEND=1).
STEPS=" ${STEPS:-ref first rerun changed parse su extract job reports timetravel} "
APPEND=${APPEND:-0}
step() { case $STEPS in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/.build-bench
DATA=$BENCH/data/$ROWS
WORK=$BENCH/work/$ROWS
RESULTS=$ROOT/Benchmarks/results
RAW=$RESULTS/$ROWS.tsv
TALLY=$ROOT/.build/release/tally
VENV=$BENCH/venv
PY=$(command -v python3)

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------- tools
need_apt() {
    local missing=()
    [ -x /usr/bin/time ] || missing+=(time)
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        (apt-get update -qq && apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 || die "cannot install ${missing[*]}"
    fi
}
need_apt

SU=""
SU_NOTE=""
if [ ! -x "$VENV/bin/sqlite-utils" ]; then
    say "installing sqlite-utils into $VENV"
    ("$PY" -m venv "$VENV" && "$VENV/bin/pip" install -q sqlite-utils) >/dev/null 2>&1 || true
fi
if [ -x "$VENV/bin/sqlite-utils" ]; then
    SU=$VENV/bin/sqlite-utils
    SU_NOTE="sqlite-utils $("$SU" --version | awk '{print $NF}')"
else
    SU_NOTE="sqlite-utils could not be installed (pip into $VENV failed): its rows are skipped"
    say "$SU_NOTE"
fi

# ---------------------------------------------------------------------------- data
mkdir -p "$DATA" "$WORK" "$RESULTS"
# ROWS/10 CIs: 200,000 incidents point at 20,000 CIs (issue 26's report figures).
CIS=$((ROWS / 10))
if [ ! -s "$DATA/incident_changed.csv" ] || [ ! -s "$DATA/case.json" ] || [ ! -s "$DATA/task_sla.csv" ] || [ "$(cat "$DATA/.cis" 2>/dev/null)" != "$CIS" ]; then
    say "generating $ROWS rows ($CIS CIs) into $DATA"
    "$PY" "$ROOT/Benchmarks/generate.py" "$ROWS" "$DATA" --cis "$CIS" || die "generate.py failed"
    echo "$CIS" >"$DATA/.cis"
fi
CSV=$DATA/incident.csv
JSONF=$DATA/incident.json
CHANGED=$DATA/incident_changed.csv

# ---------------------------------------------------------------------------- build
say "swift build -c release"
(cd "$ROOT" && swift build -c release >"$WORK/build.log" 2>&1) || { tail -20 "$WORK/build.log" >&2; die "build failed"; }
COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- Sources Package.swift || echo "+dirty")

# ---------------------------------------------------------------------------- measuring
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$APPEND" = 1 ] && [ -s "$RAW" ]; then
    printf '#note\t%s\n' "steps [${STEPS# }] measured in a later session (commit $COMMIT, $(date -u '+%H:%M UTC'), load $LOAD_BEFORE)" >>"$RAW"
else
{
    printf '#rows\t%s\n#runs\t%s\n#commit\t%s\n#date\t%s\n' "$ROWS" "$RUNS" "$COMMIT" "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf '#sources\t%s\n' "$(cd "$ROOT" && git log -1 --format=%h -- Sources Package.swift)"
    printf '#load_before\t%s\n' "$LOAD_BEFORE"
    printf '#nproc\t%s\n#cpu\t%s\n#mem\t%s\n' "$(nproc)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
        "$(free -g | awk '/^Mem:/{print $2 " GiB"}')"
    printf '#sizes\tcsv=%s json=%s changed=%s\n' "$(stat -c %s "$CSV")" "$(stat -c %s "$JSONF")" "$(stat -c %s "$CHANGED")"
    printf '#su\t%s\n' "$SU_NOTE"
} >"$RAW"
fi

note() { printf '#note\t%s\n' "$*" >>"$RAW"; say "note: $*"; }

rmdb() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }
cpdb() { rmdb "$2"; cp "$1" "$2"; for s in -wal -shm; do [ -f "$1$s" ] && cp "$1$s" "$2$s"; done; return 0; }

# measure KEY LABEL PREP OKCODES CMD...: RUNS timed runs of CMD, each after the untimed PREP
# (a shell snippet), appending "KEY LABEL run wall user sys rss_kb rc load1" rows to the raw file.
measure() {
    local key=$1 label=$2 prep=$3 ok=$4; shift 4
    local i t=$WORK/time.out log=$WORK/$key.log runs=$RUNS
    case $key in su_*) runs=$SU_RUNS ;; esac
    for i in $(seq 1 "$runs"); do
        eval "$prep"
        sync
        /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" >"$log" 2>&1
        local rc=$?
        local fields
        fields=$(tail -1 "$t")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$i" "$(echo "$fields" | tr ' ' '\t')" "$rc" \
            "$(cut -d' ' -f1 /proc/loadavg)" >>"$RAW"
        say "  $key run $i: $fields (rc $rc)"
        case " $ok " in *" $rc "*) ;; *) say "  $key failed (exit $rc):"; tail -5 "$log" >&2; note "$key failed with exit $rc: $(tail -1 "$log")"; return 1 ;; esac
    done
}

REF=$WORK/ref.db
BASE=$WORK/base.db
WDB=$WORK/work.db
COLS=$(head -1 "$CSV")
SCHEMA="CREATE TABLE incident ($(echo "$COLS" | tr ',' '\n' | awk '{ printf "%s%s TEXT%s", (NR>1?", ":""), $0, ($0=="sys_id"?" PRIMARY KEY":"") }'));"

if step ref; then
say "1. sqlite3 .import (reference)"
measure ref "sqlite3 .import --csv (reference)" 'rmdb $REF; sqlite3 $REF "$SCHEMA"' "0" \
    sqlite3 "$REF" ".import --csv --skip 1 $CSV incident"
got=$(sqlite3 "$REF" "select count(*) from incident")
[ "$got" = "$ROWS" ] || note "sqlite3 .import loaded $got rows, expected $ROWS"
fi

if step first; then
say "2. tally import, fresh store"
measure first "tally import (fresh store)" 'rmdb $WDB' "0 65" \
    "$TALLY" import "$CSV" --entity incident --db "$WDB" && cpdb "$WDB" "$BASE"
fi

if step rerun; then
say "3. tally import --force, unchanged rerun"
measure rerun "tally import --force (unchanged rerun)" 'cpdb $BASE $WDB' "0 65" \
    "$TALLY" import "$CSV" --entity incident --force --db "$WDB"
fi

if step changed; then
say "4. tally import of the changed variant"
measure changed "tally import (5% changed, 1% new)" 'cpdb $BASE $WDB' "0 65" \
    "$TALLY" import "$CHANGED" --entity incident --db "$WDB"
grep -h "^Total" "$WORK/changed.log" | head -1 | sed 's/^/#changed_counts\t/' >>"$RAW"
fi

if step parse; then
say "5. tally parse --count"
measure parse_csv "tally parse --count (CSV)" ':' "0" "$TALLY" parse --count "$CSV"
measure parse_json "tally parse --count (JSON)" ':' "0" "$TALLY" parse --count "$JSONF"
fi

if step su; then
say "6. sqlite-utils"
if [ -n "$SU" ]; then
    SUB=$WORK/su-base.db
    SUW=$WORK/su-work.db
    measure su_insert "sqlite-utils insert --csv --pk sys_id" 'rmdb $SUW' "0" \
        "$SU" insert "$SUW" incident "$CSV" --csv --pk sys_id && cpdb "$SUW" "$SUB"
    measure su_upsert "sqlite-utils upsert --csv --pk sys_id (changed)" 'cpdb $SUB $SUW' "0" \
        "$SU" upsert "$SUW" incident "$CHANGED" --csv --pk sys_id
else
    note "sqlite-utils skipped: $SU_NOTE"
fi
fi

if step extract; then
say "7. tally extract incident, beside sqlite3's own CSV export of the same table"
OUT=$WORK/extract
if [ -f "$BASE" ]; then
    # The same columns in the same order (the entity's fields, by sys_id) as the extract writes.
    FIELDS=$(sqlite3 "$BASE" "select group_concat('\"' || name || '\"', ',') from pragma_table_info('entity_incident') where name not like '\_%' escape '\\' and name != 'retired_in_run' and cid > 0")
    measure sqlite_export "sqlite3 .mode csv .once (entity_incident, the extract's columns and order)" 'rm -rf $OUT; mkdir -p $OUT' "0" \
        sqlite3 "$BASE" ".headers on" ".mode csv" ".once $OUT/incident.csv" "SELECT $FIELDS FROM entity_incident ORDER BY \"sys_id\" IS NULL, \"sys_id\", \"number\", _id"
    measure extract "tally extract incident --format csv" 'rm -rf $OUT; mkdir -p $OUT' "0" \
        "$TALLY" extract incident --format csv --out "$OUT" --db "$BASE"
fi
fi

JOB=$WORK/job
JOBBASE=$WORK/job-base
if step job; then
say "8. job run: CIs, incidents, cases, every report and the steward page; then again with nothing new"
mkdir -p "$JOB" "$JOBBASE"
sed -e "s#@DATA@#$DATA#g" -e "s#@JOB@#$JOB#g" "$ROOT/Benchmarks/bench-job.json" >"$JOB/bench-job.json"
if measure job "tally run (CIs, incidents, cases, reports, page)" 'rmdb $JOB/job.db; rm -rf $JOB/out' "0 65" \
        "$TALLY" run "$JOB/bench-job.json" --db "$JOB/job.db"; then
    cpdb "$JOB/job.db" "$JOBBASE/job.db"; rm -rf "$JOBBASE/out"; cp -r "$JOB/out" "$JOBBASE/out"
    measure job_again "tally run again, nothing new" 'cpdb $JOBBASE/job.db $JOB/job.db; rm -rf $JOB/out; cp -r $JOBBASE/out $JOB/out' "0 65" \
        "$TALLY" run "$JOB/bench-job.json" --db "$JOB/job.db"
    grep -h "reused\|wrote" "$WORK/job_again.log" | head -3 | sed 's/^/#job_again_log\t/' >>"$RAW"
else
    note "the job run failed: Benchmarks/bench-job.json may need updating to the job format"
fi
fi

if step reports; then
say "9. every report of the catalogue on the job's store ($ROWS incidents, $CIS CIs, $((ROWS / 10)) cases)"
OUT=$WORK/report-out
if [ -f "$JOBBASE/job.db" ]; then
    for r in $("$TALLY" extract --list --json --db "$JOBBASE/job.db" | "$PY" -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    if not o["summary"].startswith("Entity feed"): print(o["name"])'); do
        measure "report_$r" "tally extract $r (computed: a fresh folder)" 'rm -rf $OUT; mkdir -p $OUT' "0 65" \
            "$TALLY" extract "$r" --out "$OUT" --db "$JOBBASE/job.db"
    done
else
    note "no job store ($JOBBASE/job.db): run STEPS=job first; the report figures are skipped"
fi
fi

# 9. The past (issue 27): on a store with the changed variant applied (run 2), the whole incident
# table as of run 1 (the changed records worked back) and its version history, each against the
# plain extract of the same store (target ≤ 2×), and explain of one changed record (≤ 50 ms).
timetravel_steps() {
    local tdb=$WORK/timetravel.db out=$WORK/timetravel-out key
    if [ ! -f "$tdb" ]; then
        if [ -f "$BASE" ]; then cpdb "$BASE" "$tdb"; else "$TALLY" import "$CSV" --entity incident --db "$tdb" >/dev/null 2>&1; fi
        "$TALLY" import "$CHANGED" --entity incident --db "$tdb" >/dev/null 2>&1
    fi
    "$TALLY" runs --db "$tdb" --limit 2 >/dev/null || { note "timetravel: no store"; return 1; }
    measure tt_extract "tally extract incident (changed store)" 'rm -rf $out; mkdir -p $out' "0" \
        "$TALLY" extract incident --out "$out" --db "$tdb"
    measure tt_asof_run "tally extract incident --as-of-run 1 (changed store)" 'rm -rf $out; mkdir -p $out' "0" \
        "$TALLY" extract incident --as-of-run 1 --out "$out" --db "$tdb"
    measure tt_history "tally extract incident --history (changed store)" 'rm -rf $out; mkdir -p $out' "0" \
        "$TALLY" extract incident --history --out "$out" --db "$tdb"
    key=$(sqlite3 "$tdb" "SELECT key FROM audit WHERE run = 2 AND field <> '*' ORDER BY id LIMIT 1")
    measure tt_explain "tally explain incident $key (a changed record)" ':' "0" \
        "$TALLY" explain incident "$key" --json --db "$tdb"
}

if step timetravel; then
say "9. as-of, history, explain"
timetravel_steps
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
printf '#load_after\t%s\n' "$LOAD_AFTER" >>"$RAW"
"$PY" "$ROOT/Benchmarks/report.py" "$RAW" "$RESULTS" "$ROOT/Benchmarks/RESULTS.md"
