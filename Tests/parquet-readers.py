"""Reads Tally's Parquet extracts with pyarrow and DuckDB and checks every cell against the CSV
and NDJSON extracts of the same store (run by Tests/parquet-readers.sh, which installs both).

DIR holds NAME.parquet, NAME.csv (written with --no-formula-guard) and NAME.ndjson for each
extract. CSV cannot tell an empty string from null, so a CSV empty cell matches either; NDJSON
can, so it is matched exactly. Also checks the column types and each column chunk's statistics.
Prints one line per file; exits 1 listing every difference.
"""
import csv
import datetime
import json
import math
import os
import sys

import duckdb
import pyarrow
import pyarrow.parquet as pq

csv.field_size_limit(sys.maxsize)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ALLOWED_TYPES = {"int64", "double", "bool", "string", "large_string", "timestamp[us, tz=UTC]"}


def text(value):
    """A reader's value as Tally's canonical text (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError(f"timestamp {value} has no time zone: isAdjustedToUTC was lost")
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return value


def same(read, expected, csv_cell=False):
    """Whether a reader's value equals the extract's text (numbers compared as numbers)."""
    if csv_cell and expected == "":
        return read is None or read == ""
    if isinstance(read, float) and expected is not None:
        try:
            return math.isclose(read, float(expected), rel_tol=0, abs_tol=0) or read == float(expected)
        except ValueError:
            return False
    if isinstance(read, int) and not isinstance(read, bool) and isinstance(expected, str):
        return str(read) == expected
    return text(read) == expected


def ndjson_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def check(folder, name, problems):
    path = os.path.join(folder, name + ".parquet")
    with open(os.path.join(folder, name + ".csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, csv_rows = rows[0], rows[1:]
    with open(os.path.join(folder, name + ".ndjson"), encoding="utf-8") as f:
        json_rows = [json.loads(line) for line in f if line.strip()]

    table = pq.read_table(path)
    if table.column_names != header:
        problems.append(f"{name}: pyarrow columns {table.column_names} != CSV header {header}")
        return
    for field in table.schema:
        if str(field.type) not in ALLOWED_TYPES:
            problems.append(f"{name}.{field.name}: unexpected type {field.type}")
    arrow_rows = table.to_pylist()
    connection = duckdb.connect()
    duck = connection.execute("SELECT * FROM read_parquet(?)", [path])
    duck_columns = [d[0] for d in duck.description]
    duck_rows = duck.fetchall()
    if duck_columns != header:
        problems.append(f"{name}: DuckDB columns {duck_columns} != CSV header {header}")
        return
    for reader, got in (("pyarrow", len(arrow_rows)), ("duckdb", len(duck_rows))):
        if got != len(csv_rows) or got != len(json_rows):
            problems.append(f"{name}: {reader} reads {got} rows, CSV has {len(csv_rows)}, NDJSON {len(json_rows)}")
            return

    for index, (cells, obj, arrow, duckrow) in enumerate(zip(csv_rows, json_rows, arrow_rows, duck_rows)):
        for position, column in enumerate(header):
            expected = ndjson_text(obj[column])
            for reader, value in (("pyarrow", arrow[column]), ("duckdb", duckrow[position])):
                if not same(value, cells[position], csv_cell=True):
                    problems.append(f"{name} row {index + 1} {column}: {reader} {value!r} != CSV {cells[position]!r}")
                if not same(value, expected):
                    problems.append(f"{name} row {index + 1} {column}: {reader} {value!r} != NDJSON {obj[column]!r}")

    # Statistics: each chunk's null count, min and max against its values.
    metadata = pq.ParquetFile(path).metadata
    start = 0
    for group in range(metadata.num_row_groups):
        rows_in_group = metadata.row_group(group).num_rows
        for position, column in enumerate(header):
            stats = metadata.row_group(group).column(position).statistics
            values = [row[column] for row in arrow_rows[start:start + rows_in_group]]
            present = [v for v in values if v is not None]
            if stats is None or stats.null_count != len(values) - len(present):
                problems.append(f"{name} group {group} {column}: null count {stats and stats.null_count} != {len(values) - len(present)}")
                continue
            if present and stats.has_min_max:
                if isinstance(present[0], str):
                    low, high = min(present, key=lambda s: s.encode()), max(present, key=lambda s: s.encode())
                else:
                    low, high = min(present), max(present)
                if stats.min != low or stats.max != high:
                    problems.append(f"{name} group {group} {column}: min/max {stats.min!r}/{stats.max!r} != {low!r}/{high!r}")
        start += rows_in_group
    print(f"{name}.parquet: {len(csv_rows)} rows x {len(header)} columns, {metadata.num_row_groups} row group(s): "
          f"pyarrow and DuckDB read every cell equal to the CSV and NDJSON extracts")


def main():
    folder = sys.argv[1]
    names = sorted(f[: -len(".parquet")] for f in os.listdir(folder) if f.endswith(".parquet"))
    if not names:
        print(f"no .parquet file in {folder}", file=sys.stderr)
        return 1
    problems = []
    for name in names:
        try:
            check(folder, name, problems)
        except Exception as error:  # a reader refusing the file is a finding, not a crash of the check
            problems.append(f"{name}: {type(error).__name__}: {error}")
    print(f"readers: pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}")
    for problem in problems[:200]:
        print("MISMATCH " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
