import TallyFormats

/// An input opened for reading: its reader and the format it was read as.
package struct OpenedInput {
    package var reader: any RecordReader
    /// The file underneath, whose `bytesRead` tells how far the reader has got.
    package var file: FileByteSource
    package var format: InputFormat
    package var encoding: TranscodingByteSource.Encoding
}

/// Opens an export for reading: picks the encoding (declared, else a UTF-16 byte-order mark,
/// else UTF-8) and the format (declared, else detected from the content, never the file name).
/// `hashing` off is for reads that record no digest (`tally parse`, the collision pass).
package enum InputOpener {
    package static func open(
        path: String, format declaredFormat: InputFormat? = nil,
        encoding declaredEncoding: TranscodingByteSource.Encoding? = nil,
        delimiter: CSVOptions.Delimiter? = nil, hashing: Bool = true
    ) throws(ReadIssue) -> OpenedInput {
        let file = try FileByteSource(path: path, hashing: hashing)
        let raw = PeekableByteSource(file)
        var encoding = TranscodingByteSource.Encoding.utf8
        if let declaredEncoding {
            encoding = declaredEncoding
        } else if let detected = TranscodingByteSource.Encoding.detect(prefix: try raw.peek(4)) {
            encoding = detected
        }
        let source = encoding == .utf8 ? raw : PeekableByteSource(TranscodingByteSource(source: raw, encoding: encoding))
        let format: InputFormat
        if let declaredFormat { format = declaredFormat } else { format = try FormatDetector.detect(source) }
        let prefix = try source.peek(FormatDetector.sampleSize)
        let reader: any RecordReader
        switch format {
        case .csv, .tsv:
            var options = CSVOptions()
            options.delimiter = delimiter ?? (format == .tsv ? .tab : CSVOptions.sniffDelimiter(prefix: prefix))
            reader = CSVReader(source: source, options: options)
        case .json, .ndjson:
            reader = JSONRecordReader(source: source)
        case .xml:
            reader = XMLUnloadReader(source: source)
        }
        return OpenedInput(reader: reader, file: file, format: format, encoding: encoding)
    }
}

extension TransformMap.Encoding {
    /// The reader's encoding for a map's declared one.
    package var transcoding: TranscodingByteSource.Encoding {
        switch self {
        case .utf8: .utf8
        case .windows1252: .windows1252
        case .latin1: .latin1
        case .utf16: .utf16
        }
    }
}
