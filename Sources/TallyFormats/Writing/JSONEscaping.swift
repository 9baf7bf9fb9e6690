/// Appends `string` to `out` as a JSON string literal, quotes included.
///
/// Escapes `"` and `\`, uses the short forms `\n` `\r` `\t` `\b` `\f`, writes other control
/// characters (below U+0020) as `\u00XX`, and passes everything else, non-ASCII included, through
/// as UTF-8. Runs of bytes needing no escape are copied in one go.
public func appendJSONString(_ string: String, to out: inout [UInt8]) {
    out.append(0x22)
    var string = string
    string.withUTF8 { bytes in
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            out.append(0x5C)
            switch byte {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(0x6E)  // n
            case 0x0D: out.append(0x72)  // r
            case 0x09: out.append(0x74)  // t
            case 0x08: out.append(0x62)  // b
            case 0x0C: out.append(0x66)  // f
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])  // u00XX
            }
            index += 1
            runStart = index
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
    }
    out.append(0x22)
}
