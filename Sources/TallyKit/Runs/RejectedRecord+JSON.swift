import TallyFormats

/// A stored reject as `tally rejects --json` prints it: its place, reasons, the raw row (its
/// columns as an object, else the text as read, else null), and where it stands.
extension RejectedRecord: JSONOutput {
    private enum CodingKeys: String, CodingKey { case run, entity, file, line, record, reasons, raw, status, followedUpIn = "followed_up_in" }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(entity, forKey: .entity)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encode(record, forKey: .record)
        try container.encode(reasons, forKey: .reasons)
        if columns.isEmpty {
            try container.encode(rawText, forKey: .raw)
        } else {
            try container.encode(OrderedJSONObject(columns.map { (key: $0.0, value: $0.1) }), forKey: .raw)
        }
        try container.encode(status, forKey: .status)
        try container.encode(followedUpIn, forKey: .followedUpIn)
    }

    /// The row as a dry run lists it beside the changes it would make: `{"change": "rejected", …}`.
    package var asChange: Change { Change(reject: self) }

    package struct Change: JSONOutput {
        let reject: RejectedRecord

        private enum CodingKeys: String, CodingKey { case change, file, line, record, place, reasons }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("rejected", forKey: .change)
            try container.encode(reject.file, forKey: .file)
            try container.encode(reject.line, forKey: .line)
            try container.encode(reject.record, forKey: .record)
            try container.encode(Provenance.place(file: reject.file, line: reject.line, record: reject.record), forKey: .place)
            try container.encode(reject.reasons, forKey: .reasons)
        }
    }
}

extension RejectStatus: Encodable {}
