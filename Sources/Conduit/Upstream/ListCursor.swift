/// The opaque `next_cursor` handed to the model, whatever the vendor's paging style.
///
/// It carries the vendor position (cursor, page or offset) plus how many items of
/// that vendor page were already returned, so `limit` can cut a page anywhere
/// without losing items. A short check value binds it to its tool and detects edits:
/// models sometimes "fix" cursors, and a silently wrong page is worse than an error.
package struct ListCursor: Sendable, Equatable {
    package var vendorCursor: JSONValue?
    package var page: Int?
    package var offset: Int?
    /// Items of the vendor page at this position already returned.
    package var skip: Int = 0
    /// The page size a page-numbered walk started with: page N only means the same
    /// records if every request uses the same size, whatever `limit` says later.
    package var pageSize: Int?

    package init(vendorCursor: JSONValue? = nil, page: Int? = nil, offset: Int? = nil, skip: Int = 0, pageSize: Int? = nil) {
        self.vendorCursor = vendorCursor
        self.page = page
        self.offset = offset
        self.skip = skip
        self.pageSize = pageSize
    }

    private static func check(_ payload: [UInt8], tool: String) -> String {
        SHA256.hexDigest(Array("conduit-cursor-v1\u{0}\(tool)\u{0}".utf8) + payload).prefix(12).description
    }

    package func encode(tool: String) -> String {
        var object = JSONObject()
        if let vendorCursor { object["c"] = vendorCursor }
        if let page { object["p"] = .int(Int64(page)) }
        if let offset { object["o"] = .int(Int64(offset)) }
        if skip > 0 { object["s"] = .int(Int64(skip)) }
        if let pageSize { object["z"] = .int(Int64(pageSize)) }
        let payload = JSONValue.object(object).jsonBytes
        return Base64URL.encode(payload) + "." + Self.check(payload, tool: tool)
    }

    /// Decodes a cursor, or returns nil when it is malformed, edited or from another tool.
    package static func decode(_ text: String, tool: String) -> ListCursor? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])),
            check(payload, tool: tool) == parts[1],
            case .object(let object)? = try? JSONValue.parse(payload)
        else { return nil }
        var cursor = ListCursor(vendorCursor: object["c"])
        cursor.page = object["p"]?.intValue.map(Int.init)
        cursor.offset = object["o"]?.intValue.map(Int.init)
        cursor.skip = object["s"]?.intValue.map(Int.init) ?? 0
        cursor.pageSize = object["z"]?.intValue.map(Int.init)
        guard cursor.skip >= 0, (cursor.page ?? 0) >= 0, (cursor.offset ?? 0) >= 0, (cursor.pageSize ?? 1) > 0 else { return nil }
        return cursor
    }
}

/// Base64 with the URL-safe alphabet and no padding.
package enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var n: UInt32 = 0
            for (offset, value) in chunk.enumerated() { n |= UInt32(value) << UInt32(18 - 6 * offset) }
            out.append(UInt8(n >> 16 & 0xFF))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 0xFF)) }
            if chunk.count > 3 { out.append(UInt8(n & 0xFF)) }
            index += 4
        }
        return out
    }
}
