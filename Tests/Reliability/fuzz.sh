#!/usr/bin/env bash
# Builds and runs one libFuzzer target over Tally's parsers.
#
#   Tests/Reliability/fuzz.sh TARGET [SECONDS] [-- LIBFUZZER_ARGS...]
#   Tests/Reliability/fuzz.sh build TARGET      # build only
#   Tests/Reliability/fuzz.sh list
#
# TARGET: csv | json | xml | transform-map | date | job-file
# Targets are built with `swiftc -sanitize=fuzzer,address -parse-as-library` from the module
# sources plus a small entry file in Tests/Reliability/Fuzz/. Work lives in .build/fuzz/TARGET/
# (binary, corpus seeded from fixtures/, jobs/ and Tests/Data/conformance — for job-file:
# jobs/*.json, Benchmarks/bench-job.json and Fuzz/seeds/job-file/ — crash files, log).
# A crash is copied to fixtures/hostile/fuzz/TARGET-<sha>.<ext>; add a regression test for it
# (Tests/TallyKitTests/Reliability/FuzzRegressionTests.swift reads every file there).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here="Tests/Reliability/Fuzz"

targets="csv json xml transform-map date job-file"
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
[ $# -ge 1 ] || usage
if [ "$1" = list ]; then echo "$targets"; exit 0; fi
build_only=0
if [ "$1" = build ]; then build_only=1; shift; [ $# -ge 1 ] || usage; fi
target="$1"; shift
seconds="${1:-600}"; [ $# -ge 1 ] && shift
[ "${1:-}" = "--" ] && shift
case " $targets " in *" $target "*) ;; *) echo "fuzz.sh: unknown target '$target' (known: $targets)" >&2; exit 64;; esac

swiftc="${SWIFTC:-swiftc}"
work=".build/fuzz/$target"
mkdir -p "$work/corpus" "$work/crashes"
formats=(Sources/TallyFormats/Reading/*.swift Sources/TallyFormats/Hashing/*.swift)
kit=( $(find Sources/TallyKit -name '*.swift' | sort) )
# The readers' targets compile what they need into the one module; the others build TallyFormats
# and TallyStore as modules of their own, as SwiftPM does, since TallyKit imports them by name.
modules=()
case "$target" in
  csv)           sources=("${formats[@]}" "$here/FuzzSupport.swift" "$here/FuzzCSV.swift"); ext=csv ;;
  json)          sources=("${formats[@]}" "$here/FuzzSupport.swift" "$here/FuzzJSON.swift"); ext=json ;;
  xml)           sources=("${formats[@]}" "$here/FuzzSupport.swift" "$here/FuzzXML.swift"); ext=xml ;;
  transform-map) sources=("${kit[@]}" "$here/FuzzTransformMap.swift"); ext=json; modules=(TallyFormats TallyStore) ;;
  date)          sources=("${kit[@]}" "$here/FuzzDate.swift"); ext=txt; modules=(TallyFormats TallyStore) ;;
  job-file)      sources=("${kit[@]}" "$here/FuzzJobFile.swift"); ext=json; modules=(TallyFormats TallyStore) ;;
esac
module_sources() {
  case "$1" in
    TallyFormats|TallyStore) find "Sources/$1" -name '*.swift' | sort ;;
  esac
}

# TallyFormats imports the C target CSHA256 (the SHA extensions): compile it with the toolchain's
# clang under ASan and give swiftc a module map for its header, as SwiftPM would.
csha=(Sources/CSHA256/*.c Sources/CSHA256/include/*.h)
# Shared by the targets that build them (each is rebuilt when one of its sources changes).
cmodules=".build/fuzz/cmodules/CSHA256"
mods=".build/fuzz/modules"

binary="$work/fuzz-$target"
all=("${sources[@]}" "${csha[@]}")
for m in "${modules[@]}"; do all+=( $(module_sources "$m") ); done
newest=$(ls -t "${all[@]}" | head -1)
if [ ! -x "$binary" ] || [ "$newest" -nt "$binary" ] || [ "$0" -nt "$binary" ]; then
  echo "fuzz.sh: building $binary" >&2
  mkdir -p "$cmodules" "$mods"
  printf 'module CSHA256 {\n  header "%s"\n  export *\n}\n' "$root/Sources/CSHA256/include/CSHA256.h" \
    > "$cmodules/module.modulemap"
  "$(dirname "$(command -v "$swiftc")")/clang" -fsanitize=address -O2 -g -fPIC \
    -I Sources/CSHA256/include -c Sources/CSHA256/sha256_hardware.c -o "$work/csha256.o"
  flags=(-sanitize=fuzzer,address -parse-as-library -O -g -package-name Tally
         -I Sources/CSQLite -I "$cmodules" -I "$mods" -enable-upcoming-feature ExistentialAny)
  libraries=()
  for m in "${modules[@]}"; do
    library="$mods/lib$m.a"
    if [ ! -f "$library" ] || [ "$(ls -t $(module_sources "$m") "$0" "$library" | head -1)" != "$library" ]; then
      "$swiftc" "${flags[@]}" -module-name "$m" -emit-module -emit-module-path "$mods/$m.swiftmodule" \
        -emit-library -static $(module_sources "$m") -o "$library"
    fi
    libraries+=("$library")
  done
  "$swiftc" "${flags[@]}" -module-name FuzzTarget -lsqlite3 \
    "${sources[@]}" "${libraries[@]}" "$work/csha256.o" -o "$binary" 2>&1 | { grep -v "Cannot export local symbol" || true; }
fi
[ "$build_only" = 1 ] && exit 0

# Seed the corpus (once) from fixtures and the shared conformance data.
if [ -z "$(ls -A "$work/corpus")" ]; then
  seed() { for f in "$@"; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$work/corpus/$(sha256sum "$f" | cut -c1-16)"; done; return 0; }
  conformance="Tests/Data/conformance"
  case "$target" in
    csv)  seed $(find fixtures "$conformance" -type f \( -name '*.csv' -o -name '*.tsv' -o -name '*.txt' \) 2>/dev/null) ;;
    json) seed $(find fixtures "$conformance" -type f \( -name '*.json' -o -name '*.ndjson' \) 2>/dev/null) ;;
    xml)  seed $(find fixtures "$conformance" -type f -name '*.xml' 2>/dev/null) ;;
    transform-map) seed $(find jobs fixtures -type f -name '*.json' -path '*map*' 2>/dev/null) jobs/maps/*.json ;;
    # The bundled jobs, the benchmark's, and the job files the tests write (collected by running
    # them with TALLY_JOB_SEEDS=Tests/Reliability/Fuzz/seeds/job-file; see the README).
    job-file) seed jobs/*.json Benchmarks/bench-job.json "$here"/seeds/job-file/*.json ;;
    date)
      i=0
      for line in "yyyy-MM-dd HH:mm:ss\nUTC\n2024-02-29 23:59:59\n2023-02-29 00:00:00" \
                  "dd/MM/yyyy hh:mm a\nEurope/London\n31/03/2024 01:30 AM\n27/10/2024 01:30 AM" \
                  "yyyy-MM-dd'T'HH:mm:ss'Z'\nAmerica/New_York\n2024-03-10T02:30:00Z" \
                  "MM-dd-yyyy\nAsia/Kolkata\n12-31-1999\n00-00-0000" \
                  "yyyy-MM-dd HH:mm:ss.SSS\n+05:30\n2024-01-01 00:00:00.123"; do
        printf "$line" > "$work/corpus/seed-$i"; i=$((i+1))
      done ;;
  esac
  # Every hostile fixture is a good seed for the readers.
  [ -d fixtures/hostile ] && case "$target" in csv|json|xml) seed $(find fixtures/hostile -type f -size -64k) ;; esac
fi

echo "fuzz.sh: running $target for ${seconds}s (corpus: $(ls "$work/corpus" | wc -l) files)" >&2
set +e
# The Swift runtime's backtracer fights ASan over a crashing process (and can hang it): off.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$binary" "$work/corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/crashes/" -print_final_stats=1 "$@" 2>&1 | tee "$work/log" | grep -E '^(#[0-9]+ *(DONE)|==|SUMMARY|artifact_prefix|Test unit written)' >&2
status=${PIPESTATUS[0]}
set -e
grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$work/log" || true
found=0
for crash in "$work"/crashes/*; do
  [ -f "$crash" ] || continue
  mkdir -p fixtures/hostile/fuzz
  name="fixtures/hostile/fuzz/$target-$(sha256sum "$crash" | cut -c1-12).$ext"
  cp "$crash" "$name"; found=$((found+1))
  echo "fuzz.sh: crashing input kept as $name" >&2
done
[ "$found" -eq 0 ] && [ "$status" -eq 0 ] && echo "fuzz.sh: $target: no crash in ${seconds}s" >&2
exit "$status"
