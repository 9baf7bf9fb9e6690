import TallyStore

/// The store's schema, as versioned migrations. Add a migration; never edit a released one.
///
/// Entity tables are not here: they follow the entity registry (see ``EntityTables``), so adding
/// an entity or a field is a registry change, applied when a store is opened.
package enum StoreSchema {
    package static let migrator = Migrator([
        Migration(version: 1, summary: "runs, inputs, findings, audit, conflicts, settings", sql: """
            CREATE TABLE settings (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT;

            CREATE TABLE runs (
                id            INTEGER PRIMARY KEY,
                kind          TEXT NOT NULL,            -- import | rerun | rollback
                entity        TEXT,
                source        TEXT,
                status        TEXT NOT NULL,
                command       TEXT NOT NULL,
                started_at    TEXT NOT NULL,
                finished_at   TEXT,
                parent_run    INTEGER REFERENCES runs(id),
                job_run       INTEGER,
                pid           INTEGER,
                read          INTEGER NOT NULL DEFAULT 0,
                inserted      INTEGER NOT NULL DEFAULT 0,
                updated       INTEGER NOT NULL DEFAULT 0,
                unchanged     INTEGER NOT NULL DEFAULT 0,
                skipped_stale INTEGER NOT NULL DEFAULT 0,
                rejected      INTEGER NOT NULL DEFAULT 0,
                warnings      INTEGER NOT NULL DEFAULT 0,
                conflicts     INTEGER NOT NULL DEFAULT 0,
                retired       INTEGER NOT NULL DEFAULT 0,
                recovered     INTEGER NOT NULL DEFAULT 0,
                message       TEXT,
                request       TEXT,                   -- JSON: what the run was asked (entity, source, map, …), for reruns
                timings       TEXT                    -- JSON: seconds spent per stage
            ) STRICT;
            CREATE INDEX runs_status ON runs (status);

            CREATE TABLE run_inputs (
                run           INTEGER NOT NULL REFERENCES runs(id),
                position      INTEGER NOT NULL,
                path          TEXT NOT NULL,
                size          INTEGER,
                sha256        TEXT,
                format        TEXT,
                unknown_columns TEXT,                   -- JSON array: columns the map did not know
                stored_path   TEXT,                     -- the kept copy of the input, for reruns (until pruned)
                read          INTEGER NOT NULL DEFAULT 0,
                inserted      INTEGER NOT NULL DEFAULT 0,
                updated       INTEGER NOT NULL DEFAULT 0,
                unchanged     INTEGER NOT NULL DEFAULT 0,
                skipped_stale INTEGER NOT NULL DEFAULT 0,
                rejected      INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (run, position)
            ) STRICT;
            CREATE INDEX run_inputs_sha256 ON run_inputs (sha256);

            -- Row-level findings: rejects (rejected = 1) and warnings. raw is the record as read,
            -- a JSON object of its columns in source order.
            CREATE TABLE findings (
                id        INTEGER PRIMARY KEY,
                run       INTEGER NOT NULL REFERENCES runs(id),
                input     INTEGER NOT NULL,
                file      TEXT NOT NULL,
                record    INTEGER,
                line      INTEGER,
                field     TEXT,
                rule      TEXT NOT NULL,
                severity  TEXT NOT NULL,
                rejected  INTEGER NOT NULL,
                message   TEXT NOT NULL,
                raw       TEXT
            ) STRICT;
            CREATE INDEX findings_run ON findings (run, rejected);

            -- One row per field change; an insert is one row with field '*'.
            CREATE TABLE audit (
                id        INTEGER PRIMARY KEY,
                run       INTEGER NOT NULL REFERENCES runs(id),
                entity    TEXT NOT NULL,
                record    INTEGER NOT NULL,
                sys_id    TEXT,
                key       TEXT,
                field     TEXT NOT NULL,
                old       TEXT,
                new       TEXT,
                source    TEXT
            ) STRICT;
            CREATE INDEX audit_record ON audit (entity, record);
            CREATE INDEX audit_run ON audit (run);

            CREATE TABLE conflicts (
                id            INTEGER PRIMARY KEY,
                run           INTEGER NOT NULL REFERENCES runs(id),
                entity        TEXT NOT NULL,
                record        INTEGER,
                key           TEXT,
                field         TEXT NOT NULL,
                stored        TEXT,
                stored_source TEXT,
                incoming      TEXT,
                source        TEXT,
                rule          TEXT NOT NULL,
                message       TEXT NOT NULL
            ) STRICT;
            CREATE INDEX conflicts_run ON conflicts (run);

            -- References whose target is not in the store yet; resolved_in_run is set when a later
            -- run brings the target (the column then holds the target's sys_id).
            CREATE TABLE pending_references (
                id             INTEGER PRIMARY KEY,
                run            INTEGER NOT NULL REFERENCES runs(id),
                entity         TEXT NOT NULL,
                record         INTEGER NOT NULL,
                field          TEXT NOT NULL,
                target_entity  TEXT NOT NULL,
                raw_value      TEXT NOT NULL,
                display_value  TEXT,
                resolved_in_run INTEGER REFERENCES runs(id),
                UNIQUE (entity, record, field)
            ) STRICT;
            CREATE INDEX pending_references_open ON pending_references (target_entity, resolved_in_run);

            -- Work notes written to cases when a related incident, problem, change or request changes.
            CREATE TABLE case_journal (
                id              INTEGER PRIMARY KEY,
                run             INTEGER NOT NULL REFERENCES runs(id),
                case_record     INTEGER NOT NULL,
                case_number     TEXT,
                related_entity  TEXT NOT NULL,
                related_record  INTEGER NOT NULL,
                related_number  TEXT,
                field           TEXT NOT NULL,
                old             TEXT,
                new             TEXT,
                copied_from     INTEGER,                -- the major case's journal entry this copies
                note            TEXT NOT NULL
            ) STRICT;
            CREATE INDEX case_journal_case ON case_journal (case_record);
            CREATE INDEX case_journal_run ON case_journal (run);

            -- Delta feeds: the last (sys_updated_on, sys_id) a feed delivered.
            CREATE TABLE feed_cursors (
                feed           TEXT PRIMARY KEY,
                entity         TEXT NOT NULL,
                last_updated   TEXT,
                last_sys_id    TEXT,
                last_key       INTEGER,
                last_run       INTEGER NOT NULL DEFAULT 0,  -- the newest run the last pickup delivered
                picked_up_at   TEXT NOT NULL,
                rows           INTEGER NOT NULL
            ) STRICT;

            -- A job run groups the runs of one `tally run JOB`.
            CREATE TABLE job_runs (
                id           INTEGER PRIMARY KEY,
                job          TEXT NOT NULL,
                status       TEXT NOT NULL,
                started_at   TEXT NOT NULL,
                finished_at  TEXT,
                pid          INTEGER,
                message      TEXT
            ) STRICT;
            """),
        Migration(version: 2, summary: "a run's audit rows found by their id range, not an index on audit.run", sql: """
            ALTER TABLE runs ADD COLUMN audit_first INTEGER;  -- the first and last id of the run's audit rows
            ALTER TABLE runs ADD COLUMN audit_last INTEGER;   -- (see AuditSpan); null when it wrote none
            UPDATE runs SET audit_first = (SELECT min(id) FROM audit WHERE audit.run = runs.id),
                            audit_last = (SELECT max(id) FROM audit WHERE audit.run = runs.id);
            DROP INDEX audit_run;
            """),
        Migration(version: 3, summary: "major cases: which related fields hold the candidate's value; the link field of a work note", sql: """
            -- A major case's related-record field that holds its candidate's value because its own is
            -- empty (see CaseLinks): what lets the value be derived again when the candidate changes.
            -- Active while ended_in_run is null; a rollback of `run` deletes it, of `ended_in_run` reopens it.
            CREATE TABLE case_derived (
                id           INTEGER PRIMARY KEY,
                case_record  INTEGER NOT NULL,
                field        TEXT NOT NULL,
                run          INTEGER NOT NULL REFERENCES runs(id),
                ended_in_run INTEGER REFERENCES runs(id)
            ) STRICT;
            CREATE UNIQUE INDEX case_derived_active ON case_derived (case_record, field) WHERE ended_in_run IS NULL;
            ALTER TABLE case_journal ADD COLUMN link_field TEXT;  -- the case field the note came through
            """),
        Migration(version: 4, summary: "a rejected row's follow-up: the later run that recovered it or rejected it again", sql: """
            ALTER TABLE findings ADD COLUMN recovered_in_run INTEGER;  -- a later run accepted the row (see RejectStatus)
            ALTER TABLE findings ADD COLUMN retried_in_run INTEGER;    -- a later run rejected it again (its own reject stands)
            """),
        Migration(version: 5, summary: "the input row that made each audit row, so tally check can match a run's counts to its audit", sql: """
            ALTER TABLE audit ADD COLUMN input_row INTEGER;  -- input position × 2^32 + record number; null when no row made it
            """),
        Migration(version: 6, summary: "reports: findings by rule and rejected rows by run indexed; what the steward page keeps of each report", sql: """
            CREATE INDEX findings_rule ON findings (rule, run);                     -- cmdb_health's identity collisions
            CREATE INDEX findings_rejected ON findings (run) WHERE rejected = 1;    -- rejects_by_rule, the page's rejects
            -- What the steward page keeps of a catalogue report (StewardReportReadings, as JSON), under the
            -- digest of what the report's rows follow from: a page whose reports did not change reads them here.
            CREATE TABLE report_readings (
                report        TEXT PRIMARY KEY,
                inputs_sha256 TEXT NOT NULL,
                reading       TEXT NOT NULL
            ) STRICT;
            """),
        Migration(version: 7, summary: "what tally explain needs of the candidates that lost: a conflict's input row, the rows skipped as stale", sql: """
            ALTER TABLE conflicts ADD COLUMN input_row INTEGER;  -- the incoming row (as audit.input_row); null when no row made it
            -- A row skipped as older than the stored record: what it would have changed (a JSON object
            -- of field → canonical value, only the fields that differ), so explain can name it.
            CREATE TABLE stale_rows (
                id        INTEGER PRIMARY KEY,
                run       INTEGER NOT NULL REFERENCES runs(id),
                entity    TEXT NOT NULL,
                record    INTEGER NOT NULL,
                input_row INTEGER,
                source    TEXT,
                version   TEXT,                     -- the row's sys_updated_on
                fields    TEXT NOT NULL
            ) STRICT;
            CREATE INDEX stale_rows_record ON stale_rows (entity, record);
            CREATE INDEX conflicts_record ON conflicts (entity, record);  -- explain reads one record's conflicts
            """),
        Migration(version: 8, summary: "CI pairs a steward declared distinct (tally dedupe distinct); CMDB health after each run that changed the CMDB", sql: """
            -- Kept by store id (smaller first); a decision stands while its dedupe run does (see CIDistinctDecisions).
            CREATE TABLE ci_distinct (
                record_a  INTEGER NOT NULL,
                record_b  INTEGER NOT NULL,
                sys_id_a  TEXT,
                sys_id_b  TEXT,
                run       INTEGER REFERENCES runs(id),
                PRIMARY KEY (record_a, record_b)
            ) STRICT;

            -- The overall cmdb_health and ci_relationship_health counts as a run that changed CIs or
            -- relationships left them (at the default stale days), for the trend (see CMDBHealthHistory).
            CREATE TABLE cmdb_health_history (
                run                    INTEGER PRIMARY KEY REFERENCES runs(id),
                as_of                  TEXT,
                cis                    INTEGER NOT NULL,
                complete               INTEGER NOT NULL,
                duplicate              INTEGER NOT NULL,
                orphan                 INTEGER NOT NULL,
                stale                  INTEGER NOT NULL,
                relationships          INTEGER NOT NULL,
                relationship_duplicate INTEGER NOT NULL,
                relationship_orphan    INTEGER NOT NULL,
                relationship_stale     INTEGER NOT NULL
            ) STRICT;
            """),
        Migration(version: 9, summary: "deletes: the platform's deletes of records the store did not hold yet", sql: """
            -- A sys_audit_delete row (tally import --deletes) naming a sys_id the store does not hold: kept,
            -- so a later import of a version no newer than the delete is skipped as stale instead of
            -- bringing back a record the platform deleted (see RecordDeletion). Stands while its run does.
            CREATE TABLE delete_tombstones (
                entity      TEXT NOT NULL,
                sys_id      TEXT NOT NULL,
                deleted_at  TEXT NOT NULL,
                run         INTEGER NOT NULL REFERENCES runs(id),
                PRIMARY KEY (entity, sys_id)
            ) STRICT;
            """),
    ])
}
