#!/usr/bin/env bash
# Past one machine, end to end with DuckDB (docs/scale.md): Tally lands the exports, its Parquet
# delta feed is the hand-over, DuckDB holds the warehouse table.
#
#   Benchmarks/duckdb-warehouse.sh DATA [WORK]
#
# DATA holds incident.csv and incident_changed.csv (python3 Benchmarks/generate.py ROWS DATA).
# Day 1 imports incident.csv and picks up feed 'wh' as Parquet (every record, op 'c'). Day 2 imports
# the changed export and a sys_audit_delete export of 0.5% of the records, and picks up the delta
# (op 'u', 'c' and 'd'). DuckDB loads day 1, applies day 2 by sys_id (deletes the 'd' rows, upserts
# the rest), and must then hold exactly what a full Parquet extract of the store holds. Also times
# the CSV and Parquet extracts of the whole table and prints file and store sizes.
# Needs the release build (swift build -c release) and DuckDB in .build/parquet-venv
# (Tests/parquet-readers.sh installs it). Exit 0 when the warehouse equals the store.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:?usage: $0 DATA [WORK]}"
work="${2:-$root/.build-bench/warehouse}"
tally="$root/.build/release/tally"
python="$root/.build/parquet-venv/bin/python"
[ -x "$tally" ] || { echo "build first: swift build -c release" >&2; exit 66; }
"$python" -c 'import duckdb' 2>/dev/null || { echo "no DuckDB: run Tests/parquet-readers.sh once (it installs it)" >&2; exit 66; }
rm -rf "$work" && mkdir -p "$work"
db="$work/tally.db"

# Prints "label: wall s, CPU s, peak RSS MiB" for a command (its output goes to the log).
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >>"$work/log" 2>&1
  read -r wall user sys rss <"$work/time"
  printf '%-48s %7.2f s wall %7.2f s CPU %5d MiB peak RSS\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

# The platform's deletes of day 2: every 200th incident of day 1, deleted now (after its last update).
python3 - "$data/incident.csv" "$work/sys_audit_delete.csv" <<'PY'
import csv, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")  # after every generated update
with open(sys.argv[1], newline="", encoding="utf-8") as source, open(sys.argv[2], "w", newline="") as out:
    rows = csv.reader(source)
    header = next(rows)
    sys_id = header.index("sys_id")
    writer = csv.writer(out)
    writer.writerow(["sys_id", "tablename", "documentkey", "sys_created_on", "sys_created_by"])
    for number, row in enumerate(rows):
        if number % 200 == 0:
            writer.writerow([f"{number:032x}", "incident", row[sys_id], now, "admin"])
PY

measure "day 1: tally import incident.csv" "$tally" import "$data/incident.csv" --entity incident --db "$db"
measure "tally extract incident --format csv" "$tally" extract incident --format csv --out "$work/csv" --db "$db"
measure "tally extract incident --format parquet" "$tally" extract incident --format parquet --out "$work/parquet" --db "$db"
measure "day 1: feed wh as Parquet (everything)" "$tally" extract incident --feed wh --format parquet --out "$work/day1" --db "$db"
measure "day 2: tally import incident_changed.csv" "$tally" import "$data/incident_changed.csv" --entity incident --db "$db"
measure "day 2: tally import --deletes (0.5% deleted)" "$tally" import "$work/sys_audit_delete.csv" --deletes --db "$db"
measure "day 2: feed wh as Parquet (the delta)" "$tally" extract incident --feed wh --format parquet --out "$work/day2" --db "$db"
"$tally" extract incident --format parquet --out "$work/full" --db "$db" >>"$work/log" 2>&1
for file in "$work/csv/incident.csv" "$work/parquet/incident.parquet" "$work/day1/incident.parquet" "$work/day2/incident.parquet" "$db"; do
  printf '%-60s %8.1f MB\n' "${file#"$work"/}" "$(echo "$(stat -c %s "$file") / 1000000" | bc -l)"
done

"$python" - "$work" <<'PY'
import sys, time, duckdb
work = sys.argv[1]
con = duckdb.connect(f"{work}/warehouse.duckdb")
day1, day2, full = (f"read_parquet('{work}/{name}/incident.parquet')" for name in ("day1", "day2", "full"))
t = time.time()
con.execute(f"CREATE TABLE incident AS SELECT * EXCLUDE (op) FROM {day1}")
con.execute("ALTER TABLE incident ADD PRIMARY KEY (sys_id)")
loaded = time.time() - t
ops = dict(con.execute(f"SELECT op, count(*) FROM {day2} GROUP BY op").fetchall())
t = time.time()
con.execute(f"DELETE FROM incident WHERE sys_id IN (SELECT sys_id FROM {day2} WHERE op = 'd')")
con.execute(f"INSERT OR REPLACE INTO incident SELECT * EXCLUDE (op) FROM {day2} WHERE op <> 'd'")
applied = time.time() - t
missing = con.execute(f"SELECT count(*) FROM (SELECT * FROM {full} EXCEPT ALL SELECT * FROM incident)").fetchone()[0]
extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM incident EXCEPT ALL SELECT * FROM {full})").fetchone()[0]
rows = con.execute("SELECT count(*) FROM incident").fetchone()[0]
t = time.time()
backlog = con.execute("""
    SELECT priority, count(*) AS open FROM incident WHERE state NOT IN (6, 7, 8) GROUP BY priority ORDER BY priority""").fetchall()
queried = time.time() - t
print(f"duckdb {duckdb.__version__}: loaded day 1 in {loaded:.2f} s; applied day 2 ({ops}) in {applied:.2f} s; "
      f"open incidents by priority in {queried:.3f} s: {backlog}")
print(f"round trip: the warehouse holds {rows} rows; {missing} rows of the store's full extract missing, {extra} extra")
sys.exit(0 if missing == 0 and extra == 0 else 1)
PY
