/// Why YAML input was refused: where (1-based line and column, counted in characters) and
/// what was expected there.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var message: String

    package init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    package var description: String { "line \(line), column \(column): \(message)" }
}

/// Reads YAML documents into `JSONValue`, so that OpenAPI documents written in YAML go
/// through the same code as JSON ones.
///
/// Scope: one document, YAML 1.2 syntax as PyYAML and libyaml read it, core-schema scalars
/// (see `YAMLCoreSchema`), anchors and aliases (expanded into copies), YAML 1.1 merge keys
/// (`<<`), and the standard tags. What JSON cannot hold is refused with an error that says
/// where: complex (mapping or sequence) keys, cyclic aliases, more than one document.
///
/// Choices where YAML and JSON disagree:
/// - Keys become strings; a non-string scalar key becomes its canonical text (`200` → "200",
///   `true` → "true", `~` → "null").
/// - A duplicated key keeps its last value (as PyYAML does), at the position of its first.
/// - `!!binary` stays the base64 text; `!!timestamp` stays the text; `!!set` stays a mapping
///   with null values; `!!omap` and `!!pairs` stay sequences of one-entry mappings. A tag
///   conduit does not know (`!foo`, `!!python/…`, a URI) is ignored and the value is read as if
///   untagged. The non-specific tag `!` makes a scalar a string, as the specification says.
/// - An anchor may be redefined; an alias refers to the latest definition before it.
package enum YAML {
    /// The deepest nesting of sequences and mappings accepted, as for JSON.
    package static let maximumDepth = JSONValue.maximumDepth

    /// The most nodes (keys included) a document may expand to, counting every copy an alias
    /// makes. Real OpenAPI documents hold far fewer (Asana's 3 MB one: about 71,000); a
    /// "billion laughs" document, ten aliases of ten aliases of ..., would otherwise take
    /// unbounded time and memory as soon as its value is walked.
    package static let maximumNodes = 10_000_000

    /// Parses one YAML document (a stream with more than one document is an error).
    package static func parse(_ bytes: some Collection<UInt8>, maximumNodes: Int = maximumNodes)
        throws(YAMLError) -> JSONValue
    {
        let array = bytes as? [UInt8] ?? Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(YAMLError) in
            try validate(buffer)
            var parser = YAMLParser(input: buffer, maximumNodes: maximumNodes)
            return try parser.parseStream()
        }
    }

    /// Parses one YAML document held in a string.
    package static func parse(_ text: String, maximumNodes: Int = maximumNodes) throws(YAMLError) -> JSONValue {
        try parse(Array(text.utf8), maximumNodes: maximumNodes)
    }

    /// Refuses what is not UTF-8 text YAML may hold: invalid UTF-8, and control characters
    /// other than tab and line breaks (YAML's c-printable set). Done once up front so the
    /// scanner can treat a 0 byte as the end of input and slice strings anywhere.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws(YAMLError) {
        if bytes.count >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)) {
            throw YAMLError(line: 1, column: 1, message: "this YAML is encoded as UTF-16; conduit reads UTF-8")
        }
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F {
                    throw invalidCharacter(at: index, in: bytes, "the control character U+\(hex(UInt32(byte))) is not allowed in YAML; escape it in a double-quoted string")
                }
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            switch byte {
            case 0xC2...0xDF: length = 2; scalar = UInt32(byte & 0x1F)
            case 0xE0...0xEF: length = 3; scalar = UInt32(byte & 0x0F)
            case 0xF0...0xF4: length = 4; scalar = UInt32(byte & 0x07)
            default: throw invalidCharacter(at: index, in: bytes, "the input is not valid UTF-8")
            }
            guard index + length <= count else {
                throw invalidCharacter(at: index, in: bytes, "the input is not valid UTF-8")
            }
            for offset in 1..<length {
                let continuation = bytes[index + offset]
                guard continuation & 0xC0 == 0x80 else {
                    throw invalidCharacter(at: index, in: bytes, "the input is not valid UTF-8")
                }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            let shortest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            guard scalar >= shortest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                throw invalidCharacter(at: index, in: bytes, "the input is not valid UTF-8")
            }
            if (0x80...0x9F).contains(scalar) && scalar != 0x85 || scalar == 0xFFFE || scalar == 0xFFFF {
                throw invalidCharacter(at: index, in: bytes, "the character U+\(hex(scalar)) is not allowed in YAML; escape it in a double-quoted string")
            }
            index += length
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func invalidCharacter(at index: Int, in bytes: UnsafeBufferPointer<UInt8>, _ message: String)
        -> YAMLError
    {
        var line = 1
        var column = 1
        var position = 0
        while position < index {
            let byte = bytes[position]
            if byte == 0x0A || (byte == 0x0D && (position + 1 >= bytes.count || bytes[position + 1] != 0x0A)) {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            position += 1
        }
        return YAMLError(line: line, column: column, message: message)
    }
}

/// A node the parser has built: its value, plus what the limits need to know about it.
private struct YAMLNode {
    var value: JSONValue
    /// How many nodes the value holds, counting every copy an alias made.
    var count: Int
    /// How many levels of collections the value nests (0 for a scalar).
    var height: Int
    /// A plain `<<` (or a `!!merge`-tagged) key.
    var isMergeKey = false
}

/// An anchored node kept for later aliases.
private struct YAMLAnchored {
    var node: YAMLNode
    var serial: Int
}

/// Builds one document's `JSONValue` from the scanner's tokens, by recursive descent over
/// the grammar PyYAML's parser implements (block and flow collections, indentless
/// sequences, explicit and implicit keys), resolving tags, anchors and merge keys as it goes.
struct YAMLParser: ~Copyable {
    private var scanner: YAMLScanner
    private var tagHandles: [String: String] = ["!": "!", "!!": YAMLParser.coreTagPrefix]
    private var anchors: [String: YAMLAnchored] = [:]
    /// Anchors on collections still being parsed, by name: the serial of the anchor that
    /// started them. An alias to one of them would be a cycle.
    private var anchorsInProgress: [String: Int] = [:]
    private var anchorSerial = 0
    private var depth = 0
    private var nodes = 0
    private let maximumNodes: Int
    private let maximumDepth = YAML.maximumDepth

    static let coreTagPrefix = "tag:yaml.org,2002:"

    init(input: UnsafeBufferPointer<UInt8>, maximumNodes: Int) {
        scanner = YAMLScanner(input: input, maximumDepth: YAML.maximumDepth)
        self.maximumNodes = maximumNodes
    }

    private func fail(_ message: String, at mark: YAMLMark) -> YAMLError {
        YAMLError(line: mark.line + 1, column: mark.column + 1, message: message)
    }

    private static func position(_ mark: YAMLMark) -> String { "line \(mark.line + 1), column \(mark.column + 1)" }

    // MARK: - Documents

    /// Parses the stream, which must hold at most one document. A trailing `---` or `...`
    /// with nothing after it is accepted (PyYAML would refuse the empty second document).
    mutating func parseStream() throws(YAMLError) -> JSONValue {
        _ = try scanner.take()  // stream start
        while try scanner.check(.documentEnd) { _ = try scanner.take() }
        var value: JSONValue = .null
        switch try scanner.peekKind() {
        case .streamEnd:
            return .null
        case .versionDirective, .tagDirective, .otherDirective, .documentStart:
            try processDirectives()
            guard try scanner.check(.documentStart) else {
                throw fail("expected a document start marker '---' after the directives", at: try scanner.peekMark())
            }
            _ = try scanner.take()
            if !(try scanner.check(.versionDirective, .tagDirective, .otherDirective, .documentStart, .documentEnd, .streamEnd)) {
                value = try parseNode(block: true).value
            }
        default:
            value = try parseNode(block: true).value  // a bare document, without '---'
        }
        var ended = false
        while try scanner.check(.documentEnd) {
            _ = try scanner.take()
            ended = true
        }
        if try scanner.check(.streamEnd) { return value }
        let second = try scanner.peekMark()
        let next = try scanner.peekKind()
        if !ended && next != .documentStart && next != .versionDirective && next != .tagDirective
            && next != .otherDirective
        {
            throw fail(
                "expected the end of the document, but found \(Self.describe(next)) after its top-level value ended; check this line's indentation",
                at: second)
        }
        if next == .documentStart {
            _ = try scanner.take()
            while try scanner.check(.documentEnd) { _ = try scanner.take() }
            if try scanner.check(.streamEnd) { return value }
        }
        throw fail("the input holds more than one YAML document; conduit reads one", at: second)
    }

    private mutating func processDirectives() throws(YAMLError) {
        var sawVersion = false
        var declared: Set<String> = []
        while try scanner.check(.versionDirective, .tagDirective, .otherDirective) {
            let token = try scanner.take()
            switch token.kind {
            case .versionDirective:
                if sawVersion { throw fail("a second %YAML directive for the same document", at: token.start) }
                sawVersion = true
            case .tagDirective:
                let handle = token.handle ?? "!"
                if declared.contains(handle) {
                    throw fail("the tag handle \(handle) is declared twice", at: token.start)
                }
                declared.insert(handle)
                tagHandles[handle] = token.text
            default:
                break  // reserved directives are ignored, as the specification asks
            }
        }
    }

    // MARK: - Nodes

    private mutating func count(_ added: Int, at mark: YAMLMark) throws(YAMLError) {
        nodes += added
        if nodes > maximumNodes {
            throw fail(
                "the document expands to more than \(maximumNodes) values (aliases copy what they refer to; is this a 'billion laughs' document?)",
                at: mark)
        }
    }

    private mutating func enter(_ mark: YAMLMark) throws(YAMLError) {
        depth += 1
        if depth > maximumDepth { throw fail("nesting deeper than \(maximumDepth) levels", at: mark) }
    }

    private mutating func emptyNode(at mark: YAMLMark) throws(YAMLError) -> YAMLNode {
        try count(1, at: mark)
        return YAMLNode(value: .null, count: 1, height: 0)
    }

    /// Parses one node, with its optional anchor and tag. `indentlessSequence` allows a
    /// block sequence at the same indentation as its parent key (`key:\n- a`).
    private mutating func parseNode(block: Bool, indentlessSequence: Bool = false) throws(YAMLError) -> YAMLNode {
        if try scanner.check(.alias) {
            return try resolveAlias(try scanner.take())
        }
        var anchor: YAMLToken?
        var tag: String?
        var tagMark: YAMLMark?
        for _ in 0..<2 {
            let kind = try scanner.peekKind()
            if kind == .anchor && anchor == nil {
                anchor = try scanner.take()
            } else if kind == .tag && tag == nil {
                let token = try scanner.take()
                tag = try resolveTag(token)
                tagMark = token.start
            } else {
                break
            }
        }
        var previousInProgress: Int??
        if let anchor {
            anchorSerial += 1
            previousInProgress = anchorsInProgress.updateValue(anchorSerial, forKey: anchor.text)
        }
        let start = try scanner.peekMark()
        var node: YAMLNode
        switch try scanner.peekKind() {
        case .blockEntry where indentlessSequence:
            node = try parseIndentlessSequence(at: start)
        case .scalar:
            let token = try scanner.take()
            node = try scalarNode(token.text, style: token.style, tag: tag, tagMark: tagMark, at: token.start)
        case .flowSequenceStart:
            node = try parseFlowSequence()
        case .flowMappingStart:
            node = try parseFlowMapping()
        case .blockSequenceStart where block:
            node = try parseBlockSequence()
        case .blockMappingStart where block:
            node = try parseBlockMapping()
        case let kind:
            guard anchor != nil || tag != nil else {
                throw fail("expected a value, but found \(Self.describe(kind))", at: start)
            }
            node = try scalarNode("", style: .plain, tag: tag, tagMark: tagMark, at: start)
        }
        if let tag, let tagMark {
            switch node.value {
            case .object: try check(tag, allowedOn: "mapping", [.map, .set], at: tagMark)
            case .array: try check(tag, allowedOn: "sequence", [.seq, .omap, .pairs], at: tagMark)
            default: break
            }
        }
        if let anchor {
            if let previous = previousInProgress, let previous {
                anchorsInProgress[anchor.text] = previous
            } else {
                anchorsInProgress[anchor.text] = nil
            }
            anchors[anchor.text] = YAMLAnchored(node: YAMLNode(value: node.value, count: node.count, height: node.height), serial: anchorSerial)
        }
        return node
    }

    private mutating func resolveAlias(_ token: YAMLToken) throws(YAMLError) -> YAMLNode {
        let name = token.text
        if let started = anchorsInProgress[name], (anchors[name]?.serial ?? 0) < started {
            throw fail("the alias *\(name) refers to a node that contains it; JSON cannot hold a cycle", at: token.start)
        }
        guard let anchored = anchors[name] else {
            throw fail("the alias *\(name) refers to no anchor; define &\(name) before using it", at: token.start)
        }
        try count(anchored.node.count, at: token.start)
        if depth + anchored.node.height > maximumDepth {
            throw fail("nesting deeper than \(maximumDepth) levels (through the alias *\(name))", at: token.start)
        }
        return YAMLNode(value: anchored.node.value, count: anchored.node.count, height: anchored.node.height)
    }

    // MARK: - Tags and scalars

    /// The standard tags conduit gives a meaning to.
    private enum CoreTag: String {
        case str, int, float, bool, null, binary, timestamp, map, seq, set, omap, pairs, merge
    }

    private mutating func resolveTag(_ token: YAMLToken) throws(YAMLError) -> String {
        guard let handle = token.handle else { return token.text }  // verbatim !<…>
        guard let prefix = tagHandles[handle] else {
            throw fail("the tag handle \(handle) is not declared; add a %TAG directive or write the tag in full", at: token.start)
        }
        return prefix + token.text
    }

    private static func coreTag(_ tag: String) -> CoreTag? {
        guard tag.hasPrefix(coreTagPrefix) else { return nil }
        return CoreTag(rawValue: String(tag.dropFirst(coreTagPrefix.count)))
    }

    private static func shortName(_ tag: String) -> String {
        tag.hasPrefix(coreTagPrefix) ? "!!" + tag.dropFirst(coreTagPrefix.count) : tag
    }

    private func check(_ tag: String, allowedOn kind: String, _ allowed: [CoreTag], at mark: YAMLMark)
        throws(YAMLError)
    {
        guard let core = Self.coreTag(tag), core != .merge, !allowed.contains(core) else { return }
        throw fail("the tag \(Self.shortName(tag)) cannot be used on a \(kind)", at: mark)
    }

    private mutating func scalarNode(
        _ text: String, style: YAMLToken.Style, tag: String?, tagMark: YAMLMark?, at mark: YAMLMark
    ) throws(YAMLError) -> YAMLNode {
        try count(1, at: mark)
        var node = YAMLNode(value: .null, count: 1, height: 0)
        guard let tag else {
            node.value = style == .plain ? YAMLCoreSchema.resolve(plain: text) : .string(text)
            node.isMergeKey = style == .plain && text == "<<"
            return node
        }
        let tagMark = tagMark ?? mark
        if tag == "!" {
            node.value = .string(text)
            return node
        }
        func refuse(_ what: String) -> YAMLError {
            fail("'\(text)' is not \(what), but is tagged \(Self.shortName(tag))", at: tagMark)
        }
        switch Self.coreTag(tag) {
        case .str, .binary, .timestamp:
            node.value = .string(text)
        case .int:
            guard let value = YAMLCoreSchema.integer(text) else { throw refuse("an integer") }
            node.value = value
        case .float:
            guard let value = YAMLCoreSchema.float(text) else { throw refuse("a number") }
            node.value = value
        case .bool:
            guard let value = YAMLCoreSchema.bool(text) else { throw refuse("true or false") }
            node.value = .bool(value)
        case .null:
            node.value = .null
        case .merge:
            node.value = .string(text)
            node.isMergeKey = true
        case .map, .seq, .set, .omap, .pairs:
            throw fail("the tag \(Self.shortName(tag)) cannot be used on a scalar", at: tagMark)
        case nil:
            node.value = style == .plain ? YAMLCoreSchema.resolve(plain: text) : .string(text)
        }
        return node
    }

    // MARK: - Block collections

    private mutating func parseBlockMapping() throws(YAMLError) -> YAMLNode {
        let start = try scanner.take().start
        try enter(start)
        defer { depth -= 1 }
        try count(1, at: start)
        var mapping = MappingBuilder()
        while true {
            let token = try scanner.take()
            switch token.kind {
            case .key:
                let key =
                    try scanner.check(.key, .value, .blockEnd)
                    ? try emptyNode(at: token.start) : try parseNode(block: true, indentlessSequence: true)
                let value = try parseBlockMappingValue(after: token.start)
                try add(key, value, keyMark: token.start, to: &mapping)
            case .blockEnd:
                return mapping.finish()
            default:
                throw fail(
                    "expected another 'key: value' entry of the mapping that starts at \(Self.position(start)) (or less indentation), but found \(Self.describe(token.kind))",
                    at: token.start)
            }
        }
    }

    private mutating func parseBlockMappingValue(after mark: YAMLMark) throws(YAMLError) -> YAMLNode {
        guard try scanner.check(.value) else { return try emptyNode(at: mark) }
        let value = try scanner.take()
        if try scanner.check(.key, .value, .blockEnd) { return try emptyNode(at: value.start) }
        return try parseNode(block: true, indentlessSequence: true)
    }

    private mutating func parseBlockSequence() throws(YAMLError) -> YAMLNode {
        let start = try scanner.take().start
        try enter(start)
        defer { depth -= 1 }
        try count(1, at: start)
        var sequence = SequenceBuilder()
        while true {
            let token = try scanner.take()
            switch token.kind {
            case .blockEntry:
                let item =
                    try scanner.check(.blockEntry, .blockEnd)
                    ? try emptyNode(at: token.start) : try parseNode(block: true)
                sequence.append(item)
            case .blockEnd:
                return sequence.finish()
            default:
                throw fail(
                    "expected another '- ' entry of the sequence that starts at \(Self.position(start)) (or less indentation), but found \(Self.describe(token.kind))",
                    at: token.start)
            }
        }
    }

    /// A sequence whose `- ` entries sit at the indentation of the mapping key that owns it.
    private mutating func parseIndentlessSequence(at start: YAMLMark) throws(YAMLError) -> YAMLNode {
        try enter(start)
        defer { depth -= 1 }
        try count(1, at: start)
        var sequence = SequenceBuilder()
        while try scanner.check(.blockEntry) {
            let token = try scanner.take()
            let item =
                try scanner.check(.blockEntry, .key, .value, .blockEnd)
                ? try emptyNode(at: token.start) : try parseNode(block: true)
            sequence.append(item)
        }
        return sequence.finish()
    }

    // MARK: - Flow collections

    private mutating func parseFlowSequence() throws(YAMLError) -> YAMLNode {
        let start = try scanner.take().start
        try enter(start)
        defer { depth -= 1 }
        try count(1, at: start)
        var sequence = SequenceBuilder()
        var first = true
        while true {
            if try scanner.check(.flowSequenceEnd) { break }
            if !first {
                guard try scanner.check(.flowEntry) else { throw try flowError("sequence", "]", start) }
                _ = try scanner.take()
                if try scanner.check(.flowSequenceEnd) { break }
            }
            first = false
            if try scanner.check(.key) {
                // `[? a : b]` or `[a: b]`: a single-pair mapping as an entry.
                let key = try scanner.take()
                try enter(key.start)
                try count(1, at: key.start)
                let keyNode =
                    try scanner.check(.value, .flowEntry, .flowSequenceEnd)
                    ? try emptyNode(at: key.start) : try parseNode(block: false)
                let value = try parseFlowValue(after: key.start, endingWith: .flowSequenceEnd)
                var pair = MappingBuilder()
                try add(keyNode, value, keyMark: key.start, to: &pair)
                depth -= 1
                sequence.append(pair.finish())
            } else {
                sequence.append(try parseNode(block: false))
            }
        }
        _ = try scanner.take()
        return sequence.finish()
    }

    private mutating func parseFlowMapping() throws(YAMLError) -> YAMLNode {
        let start = try scanner.take().start
        try enter(start)
        defer { depth -= 1 }
        try count(1, at: start)
        var mapping = MappingBuilder()
        var first = true
        while true {
            if try scanner.check(.flowMappingEnd) { break }
            if !first {
                guard try scanner.check(.flowEntry) else { throw try flowError("mapping", "}", start) }
                _ = try scanner.take()
                if try scanner.check(.flowMappingEnd) { break }
            }
            first = false
            if try scanner.check(.key) {
                let key = try scanner.take()
                let keyNode =
                    try scanner.check(.value, .flowEntry, .flowMappingEnd)
                    ? try emptyNode(at: key.start) : try parseNode(block: false)
                let value = try parseFlowValue(after: key.start, endingWith: .flowMappingEnd)
                try add(keyNode, value, keyMark: key.start, to: &mapping)
            } else {
                // `{a, b}`: a key with no ':' has a null value.
                let keyMark = try scanner.peekMark()
                let keyNode = try parseNode(block: false)
                try add(keyNode, try emptyNode(at: keyMark), keyMark: keyMark, to: &mapping)
            }
        }
        _ = try scanner.take()
        return mapping.finish()
    }

    private mutating func parseFlowValue(after mark: YAMLMark, endingWith end: YAMLToken.Kind) throws(YAMLError)
        -> YAMLNode
    {
        guard try scanner.check(.value) else { return try emptyNode(at: mark) }
        let value = try scanner.take()
        if try scanner.check(.flowEntry, end) { return try emptyNode(at: value.start) }
        return try parseNode(block: false)
    }

    private mutating func flowError(_ kind: String, _ closer: String, _ start: YAMLMark) throws(YAMLError) -> YAMLError {
        let found = try scanner.peekKind()
        let mark = try scanner.peekMark()
        if found == .streamEnd || found == .documentStart || found == .documentEnd {
            return fail(
                "the flow \(kind) that starts at \(Self.position(start)) is never closed: expected ',' or '\(closer)', but found \(Self.describe(found))",
                at: mark)
        }
        return fail(
            "expected ',' or '\(closer)' in the flow \(kind) that starts at \(Self.position(start)), but found \(Self.describe(found))",
            at: mark)
    }

    // MARK: - Building collections

    private struct SequenceBuilder {
        var items: [JSONValue] = []
        var count = 1
        var height = 0

        mutating func append(_ node: YAMLNode) {
            items.append(node.value)
            count += node.count
            height = max(height, node.height)
        }

        func finish() -> YAMLNode { YAMLNode(value: .array(items), count: count, height: height + 1) }
    }

    /// Collects a mapping's entries. Merge keys follow PyYAML (YAML 1.1's merge): the
    /// merged entries come first, in the order PyYAML builds them (for `<<: [*a, *b]`, b's
    /// then a's, so a wins over b), and every explicit key wins over a merged one.
    private struct MappingBuilder {
        var object = JSONObject()
        var merged: [(String, JSONValue)] = []
        var count = 1
        var height = 0

        func finish() -> YAMLNode {
            guard !merged.isEmpty else { return YAMLNode(value: .object(object), count: count, height: height + 1) }
            var result = JSONObject()
            for (key, value) in merged { result[key] = value }
            for (key, value) in object { result[key] = value }
            return YAMLNode(value: .object(result), count: count, height: height + 1)
        }
    }

    private func add(_ key: YAMLNode, _ value: YAMLNode, keyMark: YAMLMark, to mapping: inout MappingBuilder)
        throws(YAMLError)
    {
        mapping.count += key.count + value.count
        mapping.height = max(mapping.height, key.height, value.height)
        if key.isMergeKey {
            switch value.value {
            case .object(let object):
                mapping.merged.append(contentsOf: object.map { ($0.key, $0.value) })
                return
            case .array(let items):
                var entries: [(String, JSONValue)] = []
                for item in items.reversed() {
                    guard case .object(let object) = item else {
                        throw fail("a merge key '<<' takes a mapping or a sequence of mappings, but this sequence holds \(Self.withArticle(item.typeName))", at: keyMark)
                    }
                    entries.append(contentsOf: object.map { ($0.key, $0.value) })
                }
                mapping.merged.append(contentsOf: entries)
                return
            default:
                throw fail("a merge key '<<' takes a mapping or a sequence of mappings, not \(Self.withArticle(value.value.typeName))", at: keyMark)
            }
        }
        guard let text = YAMLCoreSchema.keyText(key.value) else {
            throw fail("a mapping key must be a scalar; JSON objects cannot have a \(key.value.typeName == "object" ? "mapping" : "sequence") as a key", at: keyMark)
        }
        mapping.object[text] = value.value
    }

    private static func withArticle(_ noun: String) -> String {
        (noun.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + noun
    }

    private static func describe(_ kind: YAMLToken.Kind) -> String {
        switch kind {
        case .streamStart: "the start of the input"
        case .streamEnd: "the end of the input"
        case .versionDirective, .tagDirective, .otherDirective: "a directive"
        case .documentStart: "a document start marker '---'"
        case .documentEnd: "a document end marker '...'"
        case .blockSequenceStart, .blockEntry: "a sequence entry '-'"
        case .blockMappingStart, .key: "a mapping key"
        case .blockEnd: "the end of an indented block"
        case .flowSequenceStart: "'['"
        case .flowSequenceEnd: "']'"
        case .flowMappingStart: "'{'"
        case .flowMappingEnd: "'}'"
        case .flowEntry: "','"
        case .value: "a ':' mapping value"
        case .alias: "an alias"
        case .anchor: "an anchor"
        case .tag: "a tag"
        case .scalar: "a scalar"
        }
    }
}
