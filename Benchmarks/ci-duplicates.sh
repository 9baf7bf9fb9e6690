#!/usr/bin/env bash
# ci_duplicates at scale: N CIs (default 100,000) with planted duplicates, junk serials and shared
# values, imported into a fresh store with the release build; times `tally extract ci_duplicates`
# (RUNS runs, default 3) and prints wall seconds, peak RSS and the load average. Never run by swift test.
#
#   Benchmarks/ci-duplicates.sh [N]
set -eu -o pipefail
N=${1:-100000}
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/.build-bench/ci-duplicates/$N
TALLY=$ROOT/.build/release/tally
mkdir -p "$WORK"
[ -x "$TALLY" ] || (cd "$ROOT" && swift build -c release >&2)
if [ ! -f "$WORK/ci.csv" ]; then
python3 - "$N" "$WORK/ci.csv" <<'PY'
import hashlib, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(28)
classes = ["cmdb_ci_linux_server", "cmdb_ci_win_server", "cmdb_ci_computer", "cmdb_ci_vm_instance", "cmdb_ci_ip_switch"]
junk = ["To be filled by O.E.M.", "Default string", "0", "N/A", "System Serial Number"]
with open(path, "w") as f:
    f.write("sys_id,name,sys_class_name,serial_number,mac_address,ip_address,fqdn,sys_updated_on\n")
    for i in range(n):
        sid = hashlib.md5(f"bench/{i}".encode()).hexdigest()
        cls = classes[i % 5]
        name, serial, mac = f"host-{i:06d}", f"SN{i:08d}X", f"02:{(i >> 24) & 255:02x}:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}:01"
        ip, fqdn = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", (f"host-{i:06d}.corp.example.com" if i % 3 == 0 else "")
        r = rng.random()
        if r < 0.02:      # a duplicate of an earlier CI: its serial in another spelling, another class
            j = rng.randrange(max(1, i))
            serial, cls, name = f"sn-{j:08d}x", classes[(j + 1) % 5], f"HOST-{j:06d}-old"
        elif r < 0.04:    # its MAC in another notation, found by discovery without a serial
            j = rng.randrange(max(1, i))
            mac, serial = f"02{(j >> 24) & 255:02x}.{(j >> 16) & 255:02x}{(j >> 8) & 255:02x}.{j & 255:02x}01", ""
        elif r < 0.06:    # a junk serial
            serial = rng.choice(junk)
        elif r < 0.07:    # behind a shared NAT address
            ip = "10.250.0.1"
        f.write(f"{sid},{name},{cls},{serial},{mac},{ip},{fqdn},2026-09-01 00:00:00\n")
PY
fi
rm -rf "$WORK/tally.db"*
/usr/bin/time -f "import of $N CIs (cmdb_health_trend recorded in its run): %e s wall, %U+%S s CPU, %M KiB peak RSS" \
    "$TALLY" import "$WORK/ci.csv" --entity ci --db "$WORK/tally.db" 2>&1 >/dev/null | tail -1
for report in ci_duplicates cmdb_health; do
    for run in $(seq "$RUNS"); do
        rm -rf "$WORK/out"  # a fresh folder: an unchanged report in the same folder is reused, not computed
        /usr/bin/time -f "$report: %e s wall, %U+%S s CPU, %M KiB peak RSS" "$TALLY" extract $report --db "$WORK/tally.db" --out "$WORK/out" 2>&1 >/dev/null | tail -1
        echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
"$TALLY" extract ci_duplicates --db "$WORK/tally.db" --out "$WORK/out" >/dev/null 2>&1
echo "$(($(wc -l < "$WORK/out/ci_duplicates.csv") - 1)) pairs among $N CIs"
