#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a document could not be imported at all. Everything short of this (a broken
/// reference, a construct conduit simplifies) is a note in the import report instead.
package struct OpenAPIImportError: Error, Sendable, CustomStringConvertible {
    package var problems: [String]

    package init(_ problem: String) {
        problems = [problem]
    }

    package init(problems: [String]) {
        self.problems = problems
    }

    package var description: String { problems.joined(separator: "\n") }
}

/// Where a value sits in the set of files a document spans: which file, and the JSON
/// pointer inside it. Two `$ref`s reach the same schema exactly when they reach the same place.
struct OpenAPILocation: Hashable, Sendable {
    var file: Int
    var pointer: String
}

/// A value of the document together with where it came from: its own `$ref`s are read
/// relative to that file.
struct OpenAPINode: Sendable {
    var value: JSONValue
    var location: OpenAPILocation

    /// A member of this object, located under it.
    subscript(key: String) -> OpenAPINode? {
        guard let member = value[key] else { return nil }
        return OpenAPINode(value: member, location: OpenAPILocation(file: location.file, pointer: location.pointer + "/" + OpenAPIDocument.escape(key)))
    }

    /// The elements of this array, each located under it.
    var elements: [OpenAPINode] {
        guard case .array(let items) = value else { return [] }
        return items.enumerated().map { index, item in
            OpenAPINode(value: item, location: OpenAPILocation(file: location.file, pointer: location.pointer + "/\(index)"))
        }
    }

    /// The members of this object, each located under it, in document order.
    var members: [(key: String, node: OpenAPINode)] {
        guard case .object(let object) = value else { return [] }
        return object.map { key, member in
            (key, OpenAPINode(value: member, location: OpenAPILocation(file: location.file, pointer: location.pointer + "/" + OpenAPIDocument.escape(key))))
        }
    }

    var string: String? { value.stringValue }
}

/// An OpenAPI 3.0/3.1 or Swagger 2.0 document and every local file its `$ref`s reach,
/// each read and parsed once. This is the first stage of the import (load → translate →
/// definition), and what anything else built from a document (a stand-in, say) starts from.
///
/// References are followed lazily, where the importer needs a value, so a reference in a
/// part nobody reads (a code sample, say) costs nothing and cannot fail the import.
/// What is not an error: a `$ref` that points nowhere (noted in `brokenReferences`, and the
/// value it names is treated as untyped). What is: a remote (`http:`/`https:`) `$ref`,
/// which conduit never fetches (`remoteReferences`), and a root file that cannot be read or parsed.
package final class OpenAPIDocument {
    package enum Version: String, Sendable {
        case swagger2 = "2.0"
        case openAPI30 = "3.0"
        case openAPI31 = "3.1"
    }

    package let path: String
    package let version: Version
    /// The exact version string the document gives (`3.0.3`, `2.0`).
    package let versionText: String
    /// Every file read so far: its path and parsed content (nil when it could not be read).
    private(set) var files: [(path: String, content: JSONValue?)] = []
    private var fileIndex: [String: Int] = [:]
    /// Why a referenced file could not be used, by path.
    private var fileProblems: [String: String] = [:]
    /// `$ref`s that point nowhere, with why, in the order found (each once).
    private(set) var brokenReferences: [(reference: String, reason: String)] = []
    private var brokenSeen: Set<String> = []
    /// Remote `$ref`s met while importing, each once.
    private(set) var remoteReferences: [String] = []
    /// Each file's 3.1 `$anchor`s and `$dynamicAnchor`s (name → JSON pointer), indexed the
    /// first time a reference names one.
    private var anchors: [Int: [String: String]] = [:]

    /// The root document's top-level object.
    var root: OpenAPINode { OpenAPINode(value: files[0].content ?? .null, location: OpenAPILocation(file: 0, pointer: "")) }

    /// Reads and parses the root file and checks it is an OpenAPI or Swagger document.
    package convenience init(path: String) throws(OpenAPIImportError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw OpenAPIImportError("\(path): \(exists ? "cannot read the file" : "no such file")")
        }
        let content: JSONValue
        do {
            content = try Self.parse(Array(data), path: path)
        } catch {
            throw OpenAPIImportError("\(path): \(error.message)")
        }
        try self.init(path: path, content: content)
    }

    /// A document already parsed (a loader that read the file to see what it is).
    package init(path: String, content: JSONValue) throws(OpenAPIImportError) {
        self.path = path
        (version, versionText) = try Self.version(of: content, path: path)
        let standard = Self.standardized(path)
        files.append((standard, content))
        fileIndex[standard] = 0
    }

    /// What kind of document this is, from its `openapi` or `swagger` field.
    private static func version(of content: JSONValue, path: String) throws(OpenAPIImportError) -> (Version, String) {
        guard case .object(let root) = content else {
            throw OpenAPIImportError("\(path): not an OpenAPI document: the top level is \(content.typeName == "array" ? "an" : "a") \(content.typeName), not an object with an \"openapi\" or \"swagger\" field")
        }
        if let text = root["openapi"].map(Self.versionString) {
            if text.hasPrefix("3.0") { return (.openAPI30, text) }
            if text.hasPrefix("3.1") { return (.openAPI31, text) }
            throw OpenAPIImportError("\(path): OpenAPI \(text) is not supported (conduit reads OpenAPI 3.0.x, 3.1.x and Swagger 2.0)")
        }
        if let text = root["swagger"].map(Self.versionString) {
            if text == "2.0" || text == "2" { return (.swagger2, text) }
            throw OpenAPIImportError("\(path): Swagger \(text) is not supported (conduit reads Swagger 2.0 and OpenAPI 3.0.x and 3.1.x)")
        }
        throw OpenAPIImportError("\(path): not an OpenAPI document: it has no \"openapi\" or \"swagger\" field")
    }

    private static func versionString(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .double(let number): JSONValue.double(number).jsonString
        default: value.jsonString
        }
    }

    /// Whether a file is to be read as an OpenAPI or Swagger document (for an account's
    /// `integration`, which may name one instead of a definition): YAML by its extension,
    /// JSON by an `openapi` or `swagger` field at the top of `parsed`.
    package static func isDocument(path: String, parsed: JSONValue?) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return true }
        guard case .object(let root)? = parsed else { return false }
        return root["openapi"] != nil || root["swagger"] != nil
    }

    /// A problem reading a file: its message, with a line and column where there is one.
    struct ParseProblem: Error {
        var message: String
    }

    /// JSON or YAML: by the extension, else by the first character (`{` or `[` is JSON).
    static func parse(_ bytes: [UInt8], path: String) throws(ParseProblem) -> JSONValue {
        let lower = path.lowercased()
        let firstByte = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        let isJSON = lower.hasSuffix(".json") || (!lower.hasSuffix(".yaml") && !lower.hasSuffix(".yml") && (firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "[")))
        if isJSON {
            do {
                return try JSONValue.parse(bytes)
            } catch {
                let (line, column) = position(of: min(error.offset, bytes.count), in: bytes)
                throw ParseProblem(message: "not valid JSON: line \(line), column \(column): \(error.description.replacing(" at byte \(error.offset)", with: ""))")
            }
        }
        do {
            return try YAML.parse(bytes)
        } catch {
            throw ParseProblem(message: "not valid YAML: line \(error.line), column \(error.column): \(error.message)")
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for index in 0..<offset {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The path of file `index`, as given for the root and relative to the root's folder for the rest.
    func displayPath(_ index: Int) -> String {
        guard index > 0 else { return path }
        let base = FilePath.directory(of: files[0].path) + "/"
        let full = files[index].path
        return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : full
    }

    // MARK: - References

    /// `~` and `/` as a JSON pointer writes them.
    static func escape(_ key: String) -> String {
        guard key.contains("~") || key.contains("/") else { return key }
        return key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// Follows `node` while it is a `$ref` (at most 32 hops); the node itself when it is
    /// not one, nil when a reference is broken or remote (each noted once).
    func resolve(_ node: OpenAPINode) -> OpenAPINode? {
        var current = node
        var hops = 0
        while case .string(let reference)? = current.value["$ref"] {
            hops += 1
            if hops > 32 {
                noteBroken(reference, from: current.location.file, "a chain of more than 32 references (a reference cycle?)")
                return nil
            }
            guard let target = follow(reference, from: current.location.file) else { return nil }
            current = target
        }
        return current
    }

    /// The value a `$ref` names, read from the file it is written in.
    func follow(_ reference: String, from file: Int) -> OpenAPINode? {
        let lower = reference.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("//") {
            if !remoteReferences.contains(reference) { remoteReferences.append(reference) }
            return nil
        }
        let hash = reference.firstIndex(of: "#")
        let filePart = String(hash.map { reference[..<$0] } ?? reference[...])
        var pointer = hash.map { String(reference[reference.index(after: $0)...]) } ?? ""
        var target = file
        if !filePart.isEmpty {
            guard let index = load(filePart, from: file) else {
                let path = filePart.percentDecoded ?? filePart
                noteBroken(reference, from: file, fileProblems[resolvePath(path, from: file)] ?? "the file cannot be read")
                return nil
            }
            target = index
        }
        guard let content = files[target].content else { return nil }
        let isAnchor = !pointer.isEmpty && !pointer.hasPrefix("/") && !pointer.hasPrefix("%2F")
        if isAnchor, let found = anchorPointer(pointer.percentDecoded ?? pointer, in: target) { pointer = found }
        guard let value = Self.lookUp(pointer, in: content) else {
            let reason = isAnchor ? "no $anchor \"\(pointer)\" in \(displayPath(target))" : "nothing in \(displayPath(target)) is at \(pointer)"
            noteBroken(reference, from: file, reason)
            return nil
        }
        return OpenAPINode(value: value, location: OpenAPILocation(file: target, pointer: pointer))
    }

    /// Where a file's schema with `$anchor` (or `$dynamicAnchor`) `name` sits.
    private func anchorPointer(_ name: String, in file: Int) -> String? {
        if anchors[file] == nil {
            var found: [String: String] = [:]
            func walk(_ value: JSONValue, _ pointer: String) {
                switch value {
                case .object(let object):
                    for key in ["$anchor", "$dynamicAnchor"] {
                        if let anchor = object[key]?.stringValue, found[anchor] == nil { found[anchor] = pointer }
                    }
                    for (key, member) in object { walk(member, pointer + "/" + Self.escape(key)) }
                case .array(let elements):
                    for (index, element) in elements.enumerated() { walk(element, pointer + "/\(index)") }
                default:
                    break
                }
            }
            if let content = files[file].content { walk(content, "") }
            anchors[file] = found
        }
        return anchors[file]?[name]
    }

    private func noteBroken(_ reference: String, from file: Int, _ reason: String) {
        let key = "\(file)\u{0}\(reference)"
        guard brokenSeen.insert(key).inserted else { return }
        let place = file == 0 ? "" : " (in \(displayPath(file)))"
        brokenReferences.append(("\(reference)\(place)", reason))
    }

    private func resolvePath(_ relative: String, from file: Int) -> String {
        if relative.hasPrefix("/") { return Self.standardized(relative) }
        return Self.standardized(FilePath.directory(of: files[file].path) + "/" + relative)
    }

    /// The index of a referenced file, read and parsed on first use; nil when it cannot be.
    private func load(_ relative: String, from file: Int) -> Int? {
        let path = resolvePath(relative.percentDecoded ?? relative, from: file)
        if let index = fileIndex[path] { return files[index].content == nil ? nil : index }
        let index = files.count
        fileIndex[path] = index
        guard let data = FileManager.default.contents(atPath: path) else {
            files.append((path, nil))
            fileProblems[path] = FileManager.default.fileExists(atPath: path) ? "the file cannot be read" : "no such file"
            return nil
        }
        do {
            files.append((path, try Self.parse(Array(data), path: path)))
            return index
        } catch {
            files.append((path, nil))
            fileProblems[path] = "the file is \(error.message)"
            return nil
        }
    }

    /// The value at a JSON pointer (`/components/schemas/Pet`, with `~1`, `~0` and
    /// percent escapes); the whole value for an empty pointer.
    static func lookUp(_ pointer: String, in value: JSONValue) -> JSONValue? {
        guard !pointer.isEmpty else { return value }
        // `#name` (a 3.1 anchor) is not a pointer: `follow` finds its anchor first.
        guard pointer.hasPrefix("/") || pointer.hasPrefix("%2F") else { return nil }
        let decoded = pointer.percentDecoded ?? pointer
        var current = value
        for token in decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = String(token).replacing("~1", with: "/").replacing("~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(key), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// How many files the document spans so far (the root and every file a followed reference reached).
    package var fileCount: Int { files.count }
}
