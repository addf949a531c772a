#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fully built upstream HTTP request (without auth, which is added at send time).
package struct UpstreamRequest: Sendable {
    package var method: String
    package var url: URL
    package var headers: [(name: String, value: String)]
    /// What follows the head: bytes, or a file streamed as it is sent.
    package var content: RequestBody?

    package init(method: String, url: URL, headers: [(name: String, value: String)], content: RequestBody?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content
    }

    package init(method: String, url: URL, headers: [(name: String, value: String)], body: [UInt8]?) {
        self.init(method: method, url: url, headers: headers, content: body.map(RequestBody.bytes))
    }

    /// Adds query parameters (percent-encoded) after any the URL already has.
    package mutating func appendQuery(_ parameters: [(name: String, value: String)]) {
        guard !parameters.isEmpty else { return }
        let encoded = parameters.map { "\(RequestBuilder.percentEncode($0.name))=\(RequestBuilder.percentEncode($0.value))" }
        let text = url.absoluteString
        if let extended = URL(string: text + (text.contains("?") ? "&" : "?") + encoded.joined(separator: "&")) { url = extended }
    }

    /// The body when it is bytes in memory (every request built from tool arguments).
    package var body: [UInt8]? {
        get { content?.bytes }
        set { content = newValue.map(RequestBody.bytes) }
    }
}

/// Builds the vendor request for one tool call from the flat argument object.
package enum RequestBuilder {
    /// Characters that pass unencoded in a path segment or query component.
    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    /// Percent-encodes everything but unreserved characters, so `/`, `?`, `#` and `%`
    /// in a value can never change the request target.
    package static func percentEncode(_ text: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A path segment value: like `percentEncode`, and `.`/`..` are encoded too so
    /// they cannot be read as dot-segments.
    package static func encodePathSegment(_ text: String) -> String {
        if text == "." || text == ".." { return String(repeating: "%2E", count: text.count) }
        return percentEncode(text)
    }

    /// The text form of a scalar argument on the wire.
    static func wireText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        default: value.jsonString
        }
    }

    /// A path or header value: a list comma-joined (OpenAPI's `simple` style).
    static func simpleText(_ value: JSONValue) -> String {
        if case .array(let elements) = value { return elements.map(wireText).joined(separator: ",") }
        return wireText(value)
    }

    /// The query pairs one argument becomes, written in its parameter's style.
    static func queryPairs(_ name: String, _ value: JSONValue, style: QueryStyle) -> [(String, String)] {
        switch (value, style) {
        case (.array(let elements), .comma): return [(name, elements.map(wireText).joined(separator: ","))]
        case (.array(let elements), .pipe): return [(name, elements.map(wireText).joined(separator: "|"))]
        case (.array(let elements), .space): return [(name, elements.map(wireText).joined(separator: " "))]
        case (.array(let elements), _): return elements.map { (name, wireText($0)) }
        case (.object(let object), .deepObject): return deepPairs(name, .object(object))
        case (.object(let object), .form): return object.filter { !$0.value.isNull }.map { ($0.key, simpleText($0.value)) }
        case (.object(let object), _):
            let separator = style == .pipe ? "|" : style == .space ? " " : ","
            return [(name, object.filter { !$0.value.isNull }.flatMap { [$0.key, simpleText($0.value)] }.joined(separator: separator))]
        default: return [(name, wireText(value))]
        }
    }

    /// `filter[status]=open`, `filter[created][gte]=5`, `expand[]=a`: Stripe's and Rails' brackets.
    private static func deepPairs(_ prefix: String, _ value: JSONValue) -> [(String, String)] {
        switch value {
        case .object(let object): return object.filter { !$0.value.isNull }.flatMap { deepPairs("\(prefix)[\($0.key)]", $0.value) }
        case .array(let elements): return elements.flatMap { deepPairs("\(prefix)[]", $0) }
        default: return [(prefix, wireText(value))]
        }
    }

    /// Where a list call should start, and how big a vendor page to ask for.
    package struct PagePosition: Sendable {
        package var cursor: ListCursor
        package var pageSize: Int?
    }

    /// - Parameter uploads: the checked local files of the body's file arguments, by argument.
    package static func build(
        tool: Tool, arguments: JSONObject, baseURL: String, position: PagePosition?, uploads: [String: UploadFile] = [:]
    ) throws(ToolCallError) -> UpstreamRequest {
        var path = tool.method.path
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var bodyObject = JSONObject()
        var wholeBody: JSONValue?

        var effective = arguments
        for (argument, value) in tool.defaults where effective[argument] == nil { effective[argument] = value }

        for (argument, route) in tool.routes {
            guard let value = effective[argument], !value.isNull else { continue }
            switch route {
            case .path(let name):
                path = path.replacing("{\(name)}", with: encodePathSegment(simpleText(value)))
            case .query(let name, let style):
                query += queryPairs(name, value, style: style)
            case .header(let name):
                let text = simpleText(value)
                if text.contains(where: { $0 == "\r" || $0 == "\n" }) {
                    throw ToolCallError.invalidArguments(["argument \"\(argument)\" must not contain line breaks"])
                }
                headers.append((name, text))
            case .bodyProperty(let property):
                bodyObject[property] = value
            case .body:
                wholeBody = value
            case .limit, .nextCursor, .responseFields:
                break
            }
        }

        if let position, let pagination = tool.method.pagination {
            if let size = position.pageSize, let parameter = pagination.limitParameter {
                query.removeAll { $0.0 == parameter }
                query.append((parameter, String(size)))
            }
            switch pagination.style {
            case .cursor:
                if let parameter = pagination.cursorParameter, let vendor = position.cursor.vendorCursor {
                    if pagination.cursorLocation == .body {
                        bodyObject[parameter] = vendor
                    } else {
                        query.append((parameter, wireText(vendor)))
                    }
                }
            case .page:
                if let parameter = pagination.pageParameter {
                    query.append((parameter, String(position.cursor.page ?? pagination.pageStart)))
                }
            case .offset:
                if let parameter = pagination.offsetParameter {
                    query.append((parameter, String(position.cursor.offset ?? 0)))
                }
            case .link:
                // The query of the previous answer's `Link: <…>; rel="next"`, applied to this
                // tool's own path and origin (so credentials never follow a link elsewhere).
                if case .array(let pairs)? = position.cursor.vendorCursor {
                    let names = Set(pairs.compactMap { $0.arrayValue?.first?.stringValue })
                    query.removeAll { names.contains($0.0) }
                    for pair in pairs {
                        if let name = pair.arrayValue?.first?.stringValue, let value = pair.arrayValue?.last?.stringValue {
                            query.append((name, value))
                        }
                    }
                }
            case .none:
                break
            }
        }

        var urlText = baseURL + path
        if !query.isEmpty {
            urlText += "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: urlText) else {
            throw ToolCallError.invalidArguments(["the arguments do not form a valid URL"])
        }

        var body: [UInt8]?
        var content: RequestBody?
        if let definition = tool.method.body, definition.contentType == .multipart || definition.contentType == .file {
            content = try fileBody(definition, bodyObject: bodyObject, uploads: uploads, headers: &headers)
        } else if let definition = tool.method.body {
            headers.append(("Content-Type", definition.contentType == .plainText ? "text/plain; charset=utf-8" : definition.contentType.rawValue))
            switch definition.contentType {
            case .json, .jsonAPI:
                var payload: JSONValue
                if definition.isFlattened {
                    payload = .object(bodyObject)
                    if let type = definition.jsonAPIType {
                        var data: JSONObject = ["type": .string(type)]
                        // JSON:API updates name the resource they change: the single path id.
                        if tool.kind == .update, let id = effective["id"], tool.route(for: "id") != nil {
                            data["id"] = .string(wireText(id))
                        }
                        // A body property the definition marks as the resource's id travels as
                        // data.id, never as an attribute (for documents that name what they change
                        // without a path id, such as Chorus's user settings).
                        var attributes = bodyObject
                        if let property = definition.jsonAPIIDProperty, let id = attributes[property] {
                            data["id"] = .string(wireText(id))
                            attributes[property] = nil
                        }
                        data["attributes"] = .object(attributes)
                        payload = .object(["data": .object(data)])
                    }
                } else {
                    payload = wholeBody ?? .null
                }
                if definition.isFlattened || wholeBody != nil { body = payload.jsonBytes }
            case .plainText:
                if let wholeBody { body = Array(wireText(wholeBody).utf8) }
            case .form:
                body = Array(bodyObject.map { "\(percentEncode($0.key))=\(percentEncode(wireText($0.value)))" }.joined(separator: "&").utf8)
            case .multipart, .file:
                break  // built above
            }
        } else if !bodyObject.isEmpty {
            // A cursor that travels in the body of a method without a declared body.
            headers.append(("Content-Type", "application/json"))
            body = JSONValue.object(bodyObject).jsonBytes
        }
        if let accept = tool.method.body?.contentType, accept == .jsonAPI {
            headers.append(("Accept", "application/vnd.api+json, application/json"))
        } else if !tool.method.binaryResponse {
            headers.append(("Accept", "application/json"))
        }
        return UpstreamRequest(method: tool.method.http, url: url, headers: headers, content: content ?? body.map(RequestBody.bytes))
    }

    /// A body that carries local files: `multipart/form-data` (files as file parts with
    /// their name and media type, other properties as fields) or one file as the whole body.
    private static func fileBody(
        _ definition: BodyDefinition, bodyObject: JSONObject, uploads: [String: UploadFile], headers: inout [(String, String)]
    ) throws(ToolCallError) -> RequestBody? {
        let files = Set(definition.files)
        if definition.contentType == .file {
            guard let name = definition.files.first, let file = uploads[name] else { return nil }
            let declared = definition.mediaType ?? ""
            headers.append(("Content-Type", declared.isEmpty || declared.hasSuffix("/*") ? file.mediaType : declared))
            return .file(path: file.path, offset: 0, length: file.size)
        }
        var parts: [FormPart] = []
        for (name, value) in bodyObject {
            if files.contains(name) {
                guard let file = uploads[name] else { throw .invalidArguments(["argument \"\(name)\": the file was not checked"]) }
                parts.append(FormPart(name: name, file: .file(path: file.path, offset: 0, length: file.size), filename: file.filename, contentType: file.mediaType))
            } else {
                parts.append(FormPart(name: name, value: wireText(value)))
            }
        }
        let boundary = "conduit-" + (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
        headers.append(("Content-Type", "multipart/form-data; boundary=\(boundary)"))
        return .multipart(parts, boundary: boundary)
    }
}
