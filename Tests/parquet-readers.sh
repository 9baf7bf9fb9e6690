#!/usr/bin/env bash
# Checks Tally's Parquet extracts with real readers: pyarrow and DuckDB read every cell of each
# DIR/NAME.parquet back equal to DIR/NAME.csv and DIR/NAME.ndjson (Tests/parquet-readers.py).
# Both are test-only tools, installed from PyPI into a venv under .build/ the first time (never
# product dependencies). Exit 0 equal, 1 a difference, 3 the readers cannot be installed here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${TALLY_PARQUET_VENV:-$root/.build/parquet-venv}"
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 DIR (with NAME.parquet, NAME.csv, NAME.ndjson)" >&2; exit 64; }

unavailable() { echo "parquet-readers: $*" >&2; exit 3; }
if ! "$venv/bin/python" -c 'import duckdb, pyarrow' 2>/dev/null; then
  command -v python3 >/dev/null 2>&1 || unavailable "no python3 to install DuckDB and pyarrow with"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2 || unavailable "python3 -m venv failed (install python3-venv)"
  echo "parquet-readers: installing duckdb and pyarrow from PyPI into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb pyarrow >&2 \
    || unavailable "pip could not install duckdb and pyarrow from PyPI (offline? a proxy?)"
fi
exec "$venv/bin/python" "$root/Tests/parquet-readers.py" "$1"
