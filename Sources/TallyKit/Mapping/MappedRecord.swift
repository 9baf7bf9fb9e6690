import TallyFormats

/// One input record typed against its entity: what the mapping stage hands to validation.
package struct MappedRecord: Sendable, Equatable {
    /// The registry name of the entity.
    package var entity: String
    /// One slot per ``EntityDefinition/fields``, in that order. `nil` means the input does not
    /// carry the field (no such column), so a stored value must be left alone; `.null` means it
    /// carries an empty or null value.
    package var values: [FieldValue?]
    /// Columns the map does not know, in source order (stored as JSON on the record).
    package var extra: [ExtraField]
    /// `FIELD.display_value` columns, kept aside.
    package var displayValues: [DisplayValue]
    /// Problems found while typing the values (bad integer, date, boolean, unknown choice).
    package var findings: [Finding]
    package var provenance: Provenance
    /// The record as read, for rejects a steward can fix and re-import.
    package var raw: RawRecord
    /// ``ContentHash/ofInput(_:header:)`` of the row as read, when mapping and validation found
    /// nothing (a row with findings must be mapped again each time, so it gets none). A write this
    /// record causes stores it as `_input_hash`.
    package var inputHash: Int64?
    /// What an insert of these values binds and stores, worked out while preparing a row that is likely new.
    var preparedInsert: PreparedInsert?
    /// The input has no version column, so the version is the time the export was taken
    /// (``RunSettings/asOf``): it orders the row, but is no change to a record by itself.
    package var versionIsExportTime = false

    package init(
        entity: String, values: [FieldValue?], extra: [ExtraField] = [], displayValues: [DisplayValue] = [],
        findings: [Finding] = [], provenance: Provenance, raw: RawRecord
    ) {
        self.entity = entity
        self.values = values
        self.extra = extra
        self.displayValues = displayValues
        self.findings = findings
        self.provenance = provenance
        self.raw = raw
    }

    /// The value of `field` (`nil` when absent), looked up through `entity`.
    package func value(of field: String, in entity: EntityDefinition) -> FieldValue? {
        entity.index(ofField: field).flatMap { values[$0] }
    }
}
