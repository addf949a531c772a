/// Small text operations conduit needs on headers, paths and arguments, written on the
/// standard library (the Foundation versions live in the ICU-carrying part of Foundation).
extension StringProtocol {
    /// Without leading and trailing whitespace (spaces, tabs, line breaks).
    package var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }

    /// Without leading and trailing whitespace and any of `extra` (quotes, say).
    package func trimmed(andAlso extra: Set<Character>) -> String {
        let drop: (Character) -> Bool = { $0.isWhitespace || extra.contains($0) }
        guard let first = firstIndex(where: { !drop($0) }) else { return "" }
        let last = lastIndex(where: { !drop($0) })!
        return String(self[first...last])
    }

    /// `%XX` escapes decoded; nil when an escape is malformed or the result is not UTF-8.
    package var percentDecoded: String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexDigitValue), let low = iterator.next().flatMap(hexDigitValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension String {
    /// The text with every byte that may not appear in a URL as it is — controls, space,
    /// non-ASCII, `"<>\^`{|}` — percent-encoded; `%`, `#` and the delimiters are kept.
    /// For addresses servers send (a `Location` with a raw space or UTF-8).
    package var escapingUnsafeURLBytes: String {
        let hex = Array("0123456789ABCDEF".utf8)
        let unsafe: Set<UInt8> = Set(Array("\"<>\\^`{|}".utf8))
        var out: [UInt8] = []
        for byte in utf8 {
            if byte <= 0x20 || byte >= 0x7F || unsafe.contains(byte) {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The value of an ASCII hexadecimal digit.
package func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// File paths as plain strings (`/`-separated), without resolving anything on disk.
package enum FilePath {
    /// The folder part of `path`: everything before the last `/` ("" for a bare name).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    package static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The media type a file name's extension names; `application/octet-stream` when
    /// unknown. Used for the files conduit uploads and for the ones it wrote itself.
    package static func mediaType(of name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        return mediaTypes[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }

    private static let mediaTypes: [String: String] = [
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg",
        "flac": "audio/flac", "aac": "audio/aac", "webm": "video/webm", "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime",
        "mkv": "video/x-matroska", "json": "application/json", "csv": "text/csv", "txt": "text/plain", "pdf": "application/pdf",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "zip": "application/zip",
    ]

    /// `name` inside `folder` ("" means the current folder).
    package static func join(_ folder: String, _ name: String) -> String {
        if folder.isEmpty { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
