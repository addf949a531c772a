#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns an upstream HTTP response into a tool result: JSON bodies pass through,
/// list bodies become `{"result": [...], "next_cursor": ...}`, and failures become
/// `isError` results carrying the status, the vendor's own message and the body.
package struct ResponseInterpreter {
    package let definition: IntegrationDefinition
    package let tool: Tool
    /// Where oversized JSON results go; nil = always inline.
    package var store: FileStore?
    /// `response_fields`: what of each record to keep; nil keeps everything.
    package var fields: FieldSelection?

    package init(definition: IntegrationDefinition, tool: Tool, store: FileStore? = nil) {
        self.definition = definition
        self.tool = tool
        self.store = store
    }

    /// How much of an upstream error body an error result repeats.
    package static let errorBodyLimit = 2000

    package func interpret(_ response: HTTPResponse, position: RequestBuilder.PagePosition?, limit: Int?) -> ToolCallResult {
        if let file = response.file {
            guard (200..<300).contains(response.status) else {
                // An error body that went to a file (only when huge): report it, do not keep it.
                unlink(file.path)
                return failure(response, parsed: nil)
            }
            return fileResult(response, file: file)
        }
        guard (200..<300).contains(response.status) else {
            let parsed: JSONValue? = response.body.isEmpty ? nil : try? JSONValue.parse(response.body)
            return failure(response, parsed: parsed)
        }
        if Self.isBinary(response.contentType, definition: definition, method: tool.method) {
            // Binary bytes never go into a JSON-RPC line or the model's context. The HTTP
            // client streams them to a file; reaching here means no file could be used.
            return .failure(
                "The \(definition.title) API answered with binary content (\(response.contentType), \(response.body.count) bytes), which conduit saves only to files, and no file was written.",
                details: ["type": "binary_content_not_saved", "status": .int(Int64(response.status)), "content_type": .string(response.contentType)])
        }
        var json = response.body
        if let fields, !json.isEmpty, let parsed = try? JSONValue.parse(json) {
            // Narrowed before paging and size limits apply, so a page holds more records.
            let narrowed = tool.method.pages ? fields.applyToRecords(in: parsed, at: tool.method.resultsPaths) : fields.apply(to: parsed)
            json = narrowed.jsonBytes
        }
        if !json.isEmpty, let text = try? JSONText(validating: json) {
            // The common case: a JSON page passes through as bytes (see `JSONText`).
            let result = tool.method.pages && position != nil
                ? listResult(text, position: position!, limit: limit, headers: response.headers)
                : documentResult(text)
            return OversizedResult.fit(result, store: store, title: definition.title)
        }
        let isJSONType = response.contentType.isEmpty || response.contentType.contains("json")
        if !response.body.isEmpty && isJSONType {
            return .failure(
                "The \(definition.title) API answered HTTP \(response.status) with a body that is not valid JSON.",
                details: ["type": "invalid_upstream_body", "status": .int(Int64(response.status)), "body": .string(trimmedBody(response.body))])
        }
        // No body, or text that is not JSON.
        let body: JSONValue = response.body.isEmpty ? .null : .string(String(decoding: response.body, as: UTF8.self))
        var result: ToolCallResult
        if tool.method.pages, let position {
            result = listResult(JSONText.of(body), position: position, limit: limit, headers: response.headers)
        } else {
            var structured: JSONObject = response.body.isEmpty ? ["status": .int(Int64(response.status))] : ["result": body]
            if let note = tool.method.asyncNote {
                structured["async"] = true
                structured["async_note"] = .string("Accepted, not finished. \(note)")
            }
            result = ToolCallResult(structured: structured)
        }
        return OversizedResult.fit(result, store: store, title: definition.title)
    }

    /// A JSON body that is not a list page: an object passes through as the structured
    /// content (with the async note added for asynchronous operations), anything else
    /// is wrapped as `{"result": …}`.
    private func documentResult(_ text: JSONText) -> ToolCallResult {
        var out = JSONWriter(reserving: text.bytes.count + 256)
        if text.kind(of: text.root) == .object {
            guard let note = tool.method.asyncNote else { return ToolCallResult(redactedJSON: text.bytes) }
            // Splice the note in before the closing brace.
            out.bytes.append(contentsOf: text.bytes.dropLast())
            if text.bytes.count > 2 { out.writeRaw(",") }
        } else {
            out.writeRaw("{\"result\":")
            out.bytes.append(contentsOf: text.bytes)
            if tool.method.asyncNote != nil { out.writeRaw(",") }
        }
        if let note = tool.method.asyncNote {
            out.writeRaw("\"async\":true,\"async_note\":")
            out.writeString("Accepted, not finished. \(note)")
        }
        out.writeRaw("}")
        return ToolCallResult(redactedJSON: out.bytes)
    }

    /// Whether a response body is a file rather than data: the common binary families
    /// plus what the definition and method declare (`type/*` wildcards allowed).
    package static func isBinary(_ contentType: String, definition: IntegrationDefinition, method: MethodDefinition) -> Bool {
        let declared = definition.binaryMediaTypes + method.responseMediaTypes
        let families = ["audio/", "video/", "image/"]
        if families.contains(where: contentType.hasPrefix) { return true }
        if ["application/octet-stream", "application/pdf", "application/zip"].contains(contentType) { return true }
        return declared.contains { pattern in
            pattern.hasSuffix("/*") ? contentType.hasPrefix(String(pattern.dropLast())) : pattern == contentType
        }
    }

    /// A body conduit streamed to a file: where it is and what it is, never its bytes.
    private func fileResult(_ response: HTTPResponse, file: DownloadedFile) -> ToolCallResult {
        let type = response.contentType.isEmpty ? "application/octet-stream" : response.contentType
        var structured = file.facts(contentType: type)
        structured["status"] = .int(Int64(response.status))
        if let range = response.headers["content-range"] { structured["content_range"] = .string(range) }
        var text = "Saved the \(definition.title) response (\(type), \(file.size) bytes, HTTP \(response.status)) to \(file.path)"
        text += " — a private file only this user can read; sha256 \(file.sha256)."
        if let range = response.headers["content-range"] { text += " It holds the byte range \(range)." }
        text += " Hand the path to the next step (for example a transcription tool); the bytes are not included here."
        return ToolCallResult(structured: structured, text: text, link: file.link(contentType: type, description: "\(definition.title) \(tool.title)"))
    }

    /// A list page: the records (the results path's array, or the value itself as one
    /// record) from the cursor's skip on, at most `limit` of them, and the cursor of what
    /// comes next — written as bytes: the records are copied, never rebuilt.
    private func listResult(
        _ text: JSONText, position: RequestBuilder.PagePosition, limit: Int?, headers: [String: String] = [:]
    ) -> ToolCallResult {
        let pagination = tool.method.pagination ?? Pagination(style: .none)
        let container = Self.firstPresent(tool.method.resultsPaths, in: text)
        var items: [Range<Int>]
        switch container {
        case nil: items = []
        case let range? where text.isNull(range): items = []
        case let range? where text.kind(of: range) == .array: items = text.elements(of: range)
        case let range?: items = [range]
        }
        let vendorCount = items.count
        let lastRecord = items.last
        let skip = min(position.cursor.skip, items.count)
        items.removeFirst(skip)

        var next: ListCursor?
        if let limit, items.count > limit {
            items = Array(items.prefix(limit))
            var same = position.cursor
            same.skip = skip + limit
            next = same
        } else {
            next = nextVendorPosition(
                text, pagination: pagination, position: position, vendorCount: vendorCount, lastRecord: lastRecord, headers: headers)
        }
        if pagination.style == .page, next != nil, let size = position.pageSize { next?.pageSize = size }

        // A page too large to show inline shows the records that fit; its cursor resumes
        // at the first record not shown (the same vendor page, skipping what was shown),
        // so walking the cursors still returns every record once.
        let budget = store?.settings.inlineLimitBytes ?? .max
        let recordBytes = items.reduce(0) { $0 + $1.count + 1 }
        if recordBytes + Self.listEnvelopeAllowance + (next.map { $0.encode(tool: tool.name).utf8.count } ?? 0) > budget {
            var resume = position.cursor
            resume.skip = skip
            if pagination.style == .page, let size = position.pageSize { resume.pageSize = size }
            return fittedListResult(text, items: items, resume: resume, budget: budget)
        }
        return ToolCallResult(redactedJSON: listJSON(text, items: items, wholeArray: items.count == vendorCount, next: next))
    }

    /// Room kept in a list page's budget for everything but the records (the cursor is
    /// counted separately).
    static let listEnvelopeAllowance = 512

    /// `{"result":[…],"next_cursor":…}` plus any extra members, written from byte ranges.
    private func listJSON(
        _ text: JSONText, items: [Range<Int>], wholeArray: Bool, next: ListCursor?, extra: [(String, JSONValue)] = []
    ) -> [UInt8] {
        var out = JSONWriter(reserving: items.reduce(256) { $0 + $1.count + 1 })
        out.writeRaw("{\"result\":[")
        if wholeArray, let first = items.first, let last = items.last {
            // The whole array: one copy.
            out.bytes.append(contentsOf: text.bytes[first.lowerBound..<last.upperBound])
        } else {
            for (index, item) in items.enumerated() {
                if index > 0 { out.writeRaw(",") }
                out.bytes.append(contentsOf: text.bytes[item])
            }
        }
        out.writeRaw("],\"next_cursor\":")
        if let next { out.writeString(next.encode(tool: tool.name)) } else { out.writeRaw("null") }
        for (key, value) in extra {
            out.writeRaw(",")
            out.writeString(key)
            out.writeRaw(":")
            out.write(value)
        }
        out.writeRaw("}")
        return out.bytes
    }

    /// The leading records of `items` that fit in `budget`, and a cursor that resumes
    /// with the next one. A first record larger than the budget on its own goes to a file,
    /// shown as an outline, and the cursor moves past it.
    private func fittedListResult(_ text: JSONText, items: [Range<Int>], resume: ListCursor, budget: Int) -> ToolCallResult {
        var after = resume
        after.skip = resume.skip + items.count  // provisional, for the cursor's length
        let room = budget - Self.listEnvelopeAllowance - after.encode(tool: tool.name).utf8.count
        var shown = 0
        var used = 0
        for item in items {
            if used + item.count + 1 > room { break }
            used += item.count + 1
            shown += 1
        }
        var extra: [(String, JSONValue)] = [("truncated", true), ("records_shown", .int(Int64(max(shown, 1))))]
        if shown == 0, let first = items.first {
            // One record alone is over the limit: in full to a file, an outline inline.
            after.skip = resume.skip + 1
            let record = text.value(of: first)
            var note = "The next record alone is larger than the inline limit (files.inline_limit_bytes = \(budget)); an outline is shown."
            if let store, let file = try? store.write(Array(text.bytes[first]), contentType: "application/json") {
                extra.append(("file", .object(file.facts(contentType: "application/json"))))
                note += " The whole record is in \(file.path)."
            }
            note += " next_cursor continues with the records after it."
            extra.append(("note", .string(note)))
            var out = JSONWriter(reserving: budget)
            out.writeRaw("{\"result\":[")
            out.write(OversizedResult.outline(record, depth: 1, budget: room))
            out.writeRaw("],\"next_cursor\":")
            out.writeString(after.encode(tool: tool.name))
            for (key, value) in extra {
                out.writeRaw(",")
                out.writeString(key)
                out.writeRaw(":")
                out.write(value)
            }
            out.writeRaw("}")
            return ToolCallResult(redactedJSON: out.bytes)
        }
        after.skip = resume.skip + shown
        let left = items.count - shown
        extra.append(("note", .string(
            "This page has \(left) more record\(left == 1 ? "" : "s") than fit inline (files.inline_limit_bytes = \(budget)); next_cursor continues with \(left == 1 ? "it" : "them"). Pass a smaller limit to keep pages whole.")))
        return ToolCallResult(redactedJSON: listJSON(text, items: Array(items.prefix(shown)), wholeArray: false, next: after, extra: extra))
    }

    /// Where the items sit: the first candidate path that reaches a single value that is
    /// not null (the empty path is the body itself, always present); no candidates means
    /// the body itself, and nil means none was found. Vendors whose documents leave the
    /// location out can be given several guesses this way instead of one wrong one.
    static func firstPresent(_ candidates: [JSONPath], in text: JSONText) -> Range<Int>? {
        if candidates.isEmpty { return text.root }
        for path in candidates {
            if path.steps.isEmpty { return text.root }
            let found = text.ranges(path, from: text.root)
            if found.count == 1 && !text.isNull(found[0]) { return found[0] }
        }
        return nil
    }

    /// The vendor's next cursor: the value of the first candidate path that holds
    /// something other than null or an empty string; nil (the last page) when none does.
    static func nextCursor(_ candidates: [JSONPath], in text: JSONText) -> JSONValue? {
        for path in candidates {
            guard let value = text.value(path, from: text.root) else { continue }
            if case .string(let cursor) = value, cursor.isEmpty { continue }
            return value
        }
        return nil
    }

    /// The query parameters of the `rel="next"` target of a `Link` header, as
    /// `[[name, value], …]`; nil when there is no next link.
    static func nextLinkQuery(_ header: String?) -> JSONValue? {
        guard let header else { return nil }
        for entry in header.split(separator: "<").map({ "<" + $0 }) {
            guard let close = entry.firstIndex(of: ">") else { continue }
            let target = entry[entry.index(after: entry.startIndex)..<close]
            let parameters = entry[entry.index(after: close)...].lowercased()
            guard let rel = parameters.firstRange(of: "rel=") else { continue }
            let relations = String(parameters[rel.upperBound...].prefix { $0 != ";" && $0 != "," }).trimmed(andAlso: ["\""])
            guard relations.split(separator: " ").contains("next") else { continue }
            guard let question = target.firstIndex(of: "?") else { return .array([]) }
            var pairs: [JSONValue] = []
            for item in target[target.index(after: question)...].split(separator: "&") {
                let halves = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ text: Substring) -> String {
                    let spaced = String(text.map { $0 == "+" ? " " : $0 })
                    return spaced.percentDecoded ?? spaced
                }
                pairs.append([.string(decode(halves[0])), .string(halves.count > 1 ? decode(halves[1]) : "")])
            }
            return .array(pairs)
        }
        return nil
    }

    private func nextVendorPosition(
        _ body: JSONText, pagination: Pagination, position: RequestBuilder.PagePosition, vendorCount: Int,
        lastRecord: Range<Int>?, headers: [String: String]
    ) -> ListCursor? {
        switch pagination.style {
        case .none:
            return nil
        case .link:
            guard case .array(let pairs)? = Self.nextLinkQuery(headers["link"]) else { return nil }
            // A link that repeats the API key (a key sent in the query) must not carry it into
            // the cursor the model sees: auth adds it to every request anyway.
            var credentialParameters: Set<String> = []
            for case .query(let parameter, _) in definition.auth { credentialParameters.insert(parameter) }
            let kept = pairs.filter { pair in
                guard let name = pair.arrayValue?.first?.stringValue, let value = pair.arrayValue?.last?.stringValue else { return false }
                return !credentialParameters.contains(name) && !SecretRedactor.shared.contains(value)
            }
            return ListCursor(vendorCursor: .array(kept))
        case .cursor:
            if let recordPath = pagination.lastRecordCursorPath {
                // Last-id paging (`starting_after` + `has_more`): the last record names where the next page starts.
                if let morePath = pagination.morePath, body.value(morePath, from: body.root)?.boolValue != true { return nil }
                guard vendorCount > 0, let lastRecord, let value = body.value(recordPath, from: lastRecord), !value.isNull else {
                    return nil
                }
                return ListCursor(vendorCursor: value)
            }
            return Self.nextCursor(pagination.nextCursorPaths, in: body).map { ListCursor(vendorCursor: $0) }
        case .page:
            let page = position.cursor.page ?? pagination.pageStart
            if let morePath = pagination.morePath {
                guard body.value(morePath, from: body.root)?.boolValue == true else { return nil }
            } else if vendorCount == 0 || (position.pageSize.map { vendorCount < $0 } ?? false) {
                return nil
            }
            return ListCursor(page: page + 1)
        case .offset:
            let offset = position.cursor.offset ?? 0
            let nextOffset = offset + vendorCount
            if vendorCount == 0 { return nil }
            if let totalPath = pagination.totalPath, let total = body.value(totalPath, from: body.root)?.intValue {
                return nextOffset < total ? ListCursor(offset: nextOffset) : nil
            }
            if let size = position.pageSize, vendorCount < size { return nil }
            return ListCursor(offset: nextOffset)
        }
    }

    private func trimmedBody(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(Self.errorBodyLimit * 4), as: UTF8.self)
        return text.count > Self.errorBodyLimit ? String(text.prefix(Self.errorBodyLimit)) + "… (trimmed)" : text
    }

    private func failure(_ response: HTTPResponse, parsed: JSONValue?) -> ToolCallResult {
        let reason = HTTPStatus.reason(response.status)
        var messages: [String] = []
        if let parsed {
            for path in definition.errorMessagePaths {
                for value in path.values(in: parsed) {
                    if case .string(let text) = value, !text.isEmpty, !messages.contains(text) { messages.append(text) }
                }
            }
        }
        var message = "The \(definition.title) API answered HTTP \(response.status) \(reason)"
        if !messages.isEmpty { message += ": " + messages.joined(separator: "; ") }
        message += "."
        var details: JSONObject = ["type": response.status == 429 ? "rate_limited" : "upstream_error", "status": .int(Int64(response.status))]
        if !messages.isEmpty { details["upstream_message"] = .string(messages.joined(separator: "; ")) }
        var limits = RateLimitState(headers: response.headers, declared: definition.rateLimitHeaders)
        var waitSeconds: Int?
        if response.status == 429 || response.status == 503, let wait = limits.wait {
            // Vendors say "when" one way or the other; the client sees both, and the figure
            // to wait in structuredContent, since clients never see HTTP headers.
            limits.retryAfter = limits.retryAfter ?? wait
            limits.reset = limits.reset ?? wait
            waitSeconds = wait
        }
        if !limits.isEmpty {
            details["rate_limit"] = .object(limits.json)
            if response.status == 429 || response.status == 503 {
                if let waitSeconds {
                    message += " The API asks to wait \(waitSeconds) s before calling again."
                } else {
                    message += " The API did not say how long to wait; slow down before calling again."
                }
            }
        } else if response.status == 429 {
            message += " The API did not say how long to wait; slow down before calling again."
        }
        if !response.body.isEmpty { details["body"] = .string(trimmedBody(response.body)) }
        var result = ToolCallResult.failure(message, details: details)
        if let waitSeconds { result.setTopLevel("retry_after_seconds", .int(Int64(waitSeconds))) }
        return result
    }
}

/// Reason phrases for the statuses APIs commonly answer with.
package enum HTTPStatus {
    package static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : ""
        }
    }
}
