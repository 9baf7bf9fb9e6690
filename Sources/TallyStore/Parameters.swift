internal import CSQLite

/// The parameters of one execution of a statement, bound in order from 1 as they are appended.
///
/// A row loop binds its values from where it keeps them, with no `[SQLValue]` made, filled and
/// freed a row: see ``HeldStatement/run(_:)-(Parameters)``. Text and blobs are copied into the
/// statement's ``BoundBytes``.
public struct Parameters: ParameterSink, ~Copyable {
    let statement: Statement
    /// How many parameters have been bound.
    public private(set) var count: Int32 = 0

    init(_ statement: Statement) {
        self.statement = statement
    }

    public mutating func append(_ value: SQLValue) throws(StoreError) {
        switch value {
        case .null: try appendNull()
        case .integer(let number): try append(number)
        case .real(let number):
            count += 1
            try check(sqlite3_bind_double(statement.handle, count, number))
        case .text(let text): try append(text)
        case .blob(let bytes):
            count += 1
            let start = bytes.withUnsafeBytes { statement.boundBytes.keep($0) }
            try check(sqlite3_bind_blob64(statement.handle, count, start, sqlite3_uint64(bytes.count), nil))
        }
    }

    public mutating func append(_ text: String) throws(StoreError) {
        count += 1
        let statement = self.statement
        let (start, length) = text.utf8.withContiguousStorageIfAvailable {
            (statement.boundBytes.keep(UnsafeRawBufferPointer($0)), $0.count)
        } ?? {
            var native = text  // a bridged string: withUTF8 makes it native first
            return native.withUTF8 { (statement.boundBytes.keep(UnsafeRawBufferPointer($0)), $0.count) }
        }()
        try check(sqlite3_bind_text64(statement.handle, count, start.assumingMemoryBound(to: CChar.self),
                                      sqlite3_uint64(length), nil, UInt8(SQLITE_UTF8)))
    }

    public mutating func append(_ number: Int64) throws(StoreError) {
        count += 1
        try check(sqlite3_bind_int64(statement.handle, count, number))
    }

    public mutating func appendNull() throws(StoreError) {
        count += 1
        try check(sqlite3_bind_null(statement.handle, count))
    }

    /// Every value of `packed`, in order: the pack is copied once into the statement's bound bytes
    /// and each text is bound from there.
    public mutating func append(contentsOf packed: PackedParameters) throws(StoreError) {
        let statement = self.statement
        var index = count
        let code: Int32 = packed.bytes.withUnsafeBytes { raw in
            guard raw.count > 0 else { return SQLITE_OK }
            let base = UnsafeRawPointer(statement.boundBytes.keep(raw))
            var offset = 0
            while offset < raw.count {
                let tag = PackedParameters.Tag(rawValue: base.load(fromByteOffset: offset, as: UInt8.self))
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self))
                offset += 9
                index += 1
                let code: Int32
                switch tag {
                case .integer: code = sqlite3_bind_int64(statement.handle, index, Int64(bitPattern: word))
                case .text:
                    code = sqlite3_bind_text64(statement.handle, index, (base + offset).assumingMemoryBound(to: CChar.self),
                                               word, nil, UInt8(SQLITE_UTF8))
                    offset += Int(word)
                case .null, nil: code = sqlite3_bind_null(statement.handle, index)
                }
                guard code == SQLITE_OK else { return code }
            }
            return SQLITE_OK
        }
        count = index
        try check(code)
    }

    private func check(_ code: Int32) throws(StoreError) {
        guard code == SQLITE_OK else { throw statement.error(code: code) }
    }
}
