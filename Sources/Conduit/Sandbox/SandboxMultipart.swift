/// One part of a `multipart/form-data` request body, as a stand-in receives it.
package struct FormDataPart: Sendable {
    package var name: String
    package var filename: String?
    package var contentType: String?
    package var bytes: [UInt8]
}

/// Reads `multipart/form-data` bodies for the stand-ins (the sandboxes and the test
/// vendors): the parts between the boundary lines the Content-Type names.
package enum FormData {
    /// The parts of `body`, or nil when it is not a well-formed multipart body.
    package static func parts(of body: [UInt8], contentType: String?) -> [FormDataPart]? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let range = contentType.firstRange(of: "boundary=")
        else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let end = boundary.firstIndex(of: ";") { boundary = String(boundary[..<end]) }
        boundary = boundary.trimmed(andAlso: ["\""])
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [FormDataPart] = []
        var cursor = 0
        guard let first = find(delimiter, in: body, from: 0) else { return nil }
        cursor = first + delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { return parts }
            guard body.count >= cursor + 2, body[cursor] == 13, body[cursor + 1] == 10 else { return nil }
            cursor += 2
            guard let headEnd = find(Array("\r\n\r\n".utf8), in: body, from: cursor) else { return nil }
            let head = String(decoding: body[cursor..<headEnd], as: UTF8.self)
            let contentStart = headEnd + 4
            guard let next = find([13, 10] + delimiter, in: body, from: contentStart) else { return nil }
            var part = FormDataPart(name: "", bytes: Array(body[contentStart..<next]))
            for line in head.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = quotedValue("name", in: String(line)) ?? ""
                    part.filename = quotedValue("filename", in: String(line))
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = String(line.dropFirst("content-type:".count)).trimmed
                }
            }
            parts.append(part)
            cursor = next + 2 + delimiter.count
        }
    }

    /// `key="value"` in a header line.
    private static func quotedValue(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, String(pair[0]).trimmed == key else { continue }
            return String(pair[1]).trimmed(andAlso: ["\""])
        }
        return nil
    }

    /// Where `needle` first occurs in `haystack` at or after `start`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard start <= haystack.count else { return nil }
        return haystack[start...].firstRange(of: needle)?.lowerBound
    }
}
