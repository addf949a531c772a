/// A position in YAML input. Lines and columns are 0-based here and 1-based in `YAMLError`;
/// columns count Unicode scalars, not bytes, so they match what an editor shows.
struct YAMLMark: Sendable, Equatable {
    var index: Int
    var line: Int
    var column: Int
}

/// One token of the YAML grammar, as the scanner hands it to the parser.
///
/// The token set is the one libyaml and PyYAML use: indentation becomes explicit
/// `blockMappingStart`/`blockSequenceStart`/`blockEnd` tokens and every mapping key is
/// announced by a `key` token, so the parser above never looks at columns.
struct YAMLToken {
    enum Kind: Equatable {
        case streamStart, streamEnd
        case versionDirective, tagDirective, otherDirective
        case documentStart, documentEnd
        case blockSequenceStart, blockMappingStart, blockEnd
        case flowSequenceStart, flowSequenceEnd, flowMappingStart, flowMappingEnd
        case blockEntry, flowEntry, key, value
        case alias, anchor, tag, scalar
    }

    /// How a scalar was written; only plain scalars go through schema resolution.
    enum Style: Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    var kind: Kind
    var start: YAMLMark
    /// The scalar's value, the alias or anchor name, a tag's suffix, or a `%TAG` prefix.
    var text: String = ""
    /// A tag's handle (`!`, `!!`, `!name!`; nil for a verbatim `!<…>` tag), or a `%TAG` handle.
    var handle: String? = nil
    var style: Style = .plain
}

/// A place where a plain or quoted scalar, alias, anchor, tag or flow collection might turn
/// out to be a mapping key, remembered until a `:` confirms it or the line ends.
private struct SimpleKey {
    var tokenNumber: Int
    var required: Bool
    var mark: YAMLMark
}

/// Turns UTF-8 YAML into tokens.
///
/// This follows the design of PyYAML's scanner (itself a port of libyaml's), because the
/// corpus tests compare against PyYAML and because its treatment of "simple keys" and
/// indentation is what real-world YAML has been written against for two decades. It works
/// on bytes, not Characters: every syntax character is ASCII, so only columns need to know
/// about multi-byte scalars.
///
/// Deliberate differences from PyYAML, each towards the YAML 1.2 specification: tabs may
/// separate tokens within a line (but never indent), only `\n` and `\r` break lines, and a
/// `\u` surrogate pair in a double-quoted scalar decodes to one character as JSON does.
struct YAMLScanner: ~Copyable {
    private let input: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 0
    private var column = 0

    private var done = false
    private var flowLevel = 0
    private var tokens: [YAMLToken] = []
    private var head = 0
    private var tokensTaken = 0
    private var indent = -1
    private var indents: [Int] = []
    private var allowSimpleKey = true
    private var simpleKeys: [SimpleKey?] = [nil]
    private var simpleKeyCount = 0
    private let maximumDepth: Int
    /// Where the token just scanned started, if it was a plain scalar spanning lines; and
    /// the same for the token before the current one. Only error messages use these.
    private var multilinePlain: YAMLMark?
    private var multilinePlainBefore: YAMLMark?
    /// Where a possible simple key was dropped for running past 1024 characters on its line.
    private var overlongKey: YAMLMark?

    init(input: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.input = input
        self.maximumDepth = maximumDepth
        let mark = YAMLMark(index: 0, line: 0, column: 0)
        tokens.append(YAMLToken(kind: .streamStart, start: mark))
    }

    // MARK: - Public interface

    /// The kind of the next token, scanning as far ahead as simple keys require.
    mutating func peekKind() throws(YAMLError) -> YAMLToken.Kind {
        try fill()
        return tokens[head].kind
    }

    /// Where the next token starts.
    mutating func peekMark() throws(YAMLError) -> YAMLMark {
        try fill()
        return tokens[head].start
    }

    /// Removes and returns the next token. The stream-end token is never removed, so asking
    /// again past the end keeps answering it.
    mutating func take() throws(YAMLError) -> YAMLToken {
        try fill()
        let token = tokens[head]
        if token.kind == .streamEnd { return token }
        head += 1
        tokensTaken += 1
        if head >= 64 && head * 2 >= tokens.count {
            tokens.removeFirst(head)
            head = 0
        }
        return token
    }

    /// Whether the next token is one of `kinds`.
    mutating func check(_ kinds: YAMLToken.Kind...) throws(YAMLError) -> Bool {
        let kind = try peekKind()
        return kinds.contains(kind)
    }

    private mutating func fill() throws(YAMLError) {
        while try needMoreTokens() { try fetchMoreTokens() }
    }

    private mutating func needMoreTokens() throws(YAMLError) -> Bool {
        if done { return false }
        if head == tokens.count { return true }
        // The next token might be a simple key whose ':' has not been seen yet.
        try staleSimpleKeys()
        return nextPossibleSimpleKey() == tokensTaken
    }

    // MARK: - Bytes

    private func peek(_ offset: Int = 0) -> UInt8 {
        let position = index + offset
        return position < input.count ? input[position] : 0
    }

    private var mark: YAMLMark { YAMLMark(index: index, line: line, column: column) }

    private func error(_ message: String, at mark: YAMLMark? = nil) -> YAMLError {
        let at = mark ?? self.mark
        return YAMLError(line: at.line + 1, column: at.column + 1, message: message)
    }

    /// Moves past one byte, keeping line and column.
    private mutating func forward() {
        let byte = input[index]
        index += 1
        if byte == .lineFeed || (byte == .carriageReturn && peek() != .lineFeed) {
            line += 1
            column = 0
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    /// Moves past `count` bytes known to hold no line break.
    private mutating func forwardInLine(_ count: Int) {
        for position in index..<(index + count) where input[position] & 0xC0 != 0x80 { column += 1 }
        index += count
    }

    /// Consumes one line break (`\r\n`, `\r` or `\n`) if there is one.
    private mutating func scanLineBreak() -> Bool {
        let byte = peek()
        if byte == .carriageReturn {
            index += peek(1) == .lineFeed ? 2 : 1
        } else if byte == .lineFeed {
            index += 1
        } else {
            return false
        }
        line += 1
        column = 0
        return true
    }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: input[start..<end]), as: UTF8.self)
    }

    /// Whether `---` or `...` followed by a blank starts the current position at column 0.
    private func atDocumentIndicator() -> Bool {
        guard column == 0 else { return false }
        let first = peek()
        guard first == .minus || first == .period else { return false }
        return peek(1) == first && peek(2) == first && peek(3).isBlankOrEnd
    }

    // MARK: - Simple keys

    private func nextPossibleSimpleKey() -> Int? {
        guard simpleKeyCount > 0 else { return nil }
        var lowest: Int?
        for case let key? in simpleKeys where lowest == nil || key.tokenNumber < lowest! {
            lowest = key.tokenNumber
        }
        return lowest
    }

    /// Forgets possible simple keys that can no longer be keys: a simple key lives on one
    /// line and spans at most 1024 characters. A key the indentation demanded is an error.
    private mutating func staleSimpleKeys() throws(YAMLError) {
        guard simpleKeyCount > 0 else { return }
        for level in simpleKeys.indices {
            guard let key = simpleKeys[level] else { continue }
            if key.mark.line != line || column - key.mark.column > 1024 {
                if key.mark.line == line {
                    if key.required { throw overlong(key.mark) }
                    overlongKey = key.mark
                }
                if key.required { throw missingColon(key) }
                simpleKeys[level] = nil
                simpleKeyCount -= 1
            }
        }
    }

    private func overlong(_ key: YAMLMark) -> YAMLError {
        error("this mapping key is longer than 1024 characters, the most YAML allows for a key without '? '", at: key)
    }

    private func missingColon(_ key: SimpleKey) -> YAMLError {
        error(
            "expected ':' after this mapping key (a line at the indentation of a mapping must be a 'key: value' entry)",
            at: key.mark)
    }

    private mutating func savePossibleSimpleKey() throws(YAMLError) {
        let required = flowLevel == 0 && indent == column
        guard allowSimpleKey else { return }
        try removePossibleSimpleKey()
        simpleKeys[flowLevel] = SimpleKey(
            tokenNumber: tokensTaken + tokens.count - head, required: required, mark: mark)
        simpleKeyCount += 1
    }

    private mutating func removePossibleSimpleKey() throws(YAMLError) {
        if let key = simpleKeys[flowLevel] {
            if key.required { throw missingColon(key) }
            simpleKeys[flowLevel] = nil
            simpleKeyCount -= 1
        }
    }

    // MARK: - Indentation

    /// Closes block collections indented deeper than `column`.
    private mutating func unwindIndent(_ column: Int) {
        guard flowLevel == 0 else { return }
        while indent > column {
            indent = indents.removeLast()
            tokens.append(YAMLToken(kind: .blockEnd, start: mark))
        }
    }

    private mutating func addIndent(_ column: Int) throws(YAMLError) -> Bool {
        guard indent < column else { return false }
        if indents.count >= maximumDepth {
            throw error("nesting deeper than \(maximumDepth) levels")
        }
        indents.append(indent)
        indent = column
        return true
    }

    // MARK: - Dispatch

    private mutating func fetchMoreTokens() throws(YAMLError) {
        try scanToNextToken()
        multilinePlainBefore = multilinePlain
        multilinePlain = nil
        try staleSimpleKeys()
        unwindIndent(column)
        let byte = peek()
        switch byte {
        case 0: return try fetchStreamEnd()
        case .percent where column == 0: return try fetchDirective()
        case .minus where atDocumentIndicator(): return try fetchDocumentIndicator(.documentStart)
        case .period where atDocumentIndicator(): return try fetchDocumentIndicator(.documentEnd)
        case .leftBracket: return try fetchFlowCollectionStart(.flowSequenceStart)
        case .leftBrace: return try fetchFlowCollectionStart(.flowMappingStart)
        case .rightBracket: return try fetchFlowCollectionEnd(.flowSequenceEnd)
        case .rightBrace: return try fetchFlowCollectionEnd(.flowMappingEnd)
        case .comma: return try fetchFlowEntry()
        case .minus where peek(1).isBlankOrEnd: return try fetchBlockEntry()
        case .questionMark where flowLevel > 0 || peek(1).isBlankOrEnd: return try fetchKey()
        case .colon where flowLevel > 0 || peek(1).isBlankOrEnd: return try fetchValue()
        case .asterisk: return try fetchAnchorOrAlias(.alias)
        case .ampersand: return try fetchAnchorOrAlias(.anchor)
        case .exclamation: return try fetchTag()
        case .verticalBar where flowLevel == 0: return try fetchBlockScalar(folded: false)
        case .greaterThan where flowLevel == 0: return try fetchBlockScalar(folded: true)
        case .singleQuote: return try fetchFlowScalar(double: false)
        case .doubleQuote: return try fetchFlowScalar(double: true)
        default:
            if checkPlain() { return try fetchPlain() }
            throw error(cannotStartToken(byte))
        }
    }

    private func cannotStartToken(_ byte: UInt8) -> String {
        switch byte {
        case .at, .backtick, .percent:
            "'\(Character(Unicode.Scalar(byte)))' cannot start a plain scalar; quote the value"
        case .verticalBar, .greaterThan:
            "a block scalar ('|' or '>') cannot appear inside a flow collection"
        default:
            "found character '\(Character(Unicode.Scalar(byte)))' that cannot start any token"
        }
    }

    /// A plain scalar may not start with an indicator, except `-`, `?` and `:` followed by a
    /// non-space (`-1`, `:path`), the latter two only outside flow collections.
    private func checkPlain() -> Bool {
        let byte = peek()
        switch byte {
        case 0, .space, .tab, .lineFeed, .carriageReturn, .comma, .leftBracket, .rightBracket, .leftBrace,
            .rightBrace, .hash, .ampersand, .asterisk, .exclamation, .verticalBar, .greaterThan, .singleQuote,
            .doubleQuote, .percent, .at, .backtick:
            return false
        case .minus:
            return !peek(1).isBlankOrEnd
        case .questionMark, .colon:
            return !peek(1).isBlankOrEnd && flowLevel == 0
        default:
            return true
        }
    }

    /// Skips spaces, comments and line breaks up to the next token. In block context a
    /// tab is allowed between tokens on a line, but not in the indentation that decides
    /// structure.
    private mutating func scanToNextToken() throws(YAMLError) {
        if index == 0 && peek() == 0xEF && peek(1) == 0xBB && peek(2) == 0xBF { index += 3 }
        while true {
            while true {
                let byte = peek()
                if byte == .space {
                    index += 1
                    column += 1
                } else if byte == .tab {
                    if flowLevel == 0 && isInIndentation() {
                        var ahead = index
                        while ahead < input.count && (input[ahead] == .space || input[ahead] == .tab) { ahead += 1 }
                        let next = ahead < input.count ? input[ahead] : 0
                        if next != 0 && next != .lineFeed && next != .carriageReturn && next != .hash {
                            throw error("a tab character is used for indentation; YAML indents with spaces only")
                        }
                    }
                    index += 1
                    column += 1
                } else {
                    break
                }
            }
            if peek() == .hash {
                let commentStart = index
                while !peek().isBreakOrEnd { index += 1 }
                for byte in input[commentStart..<index] where byte & 0xC0 != 0x80 { column += 1 }
            }
            if scanLineBreak() {
                if flowLevel == 0 { allowSimpleKey = true }
            } else {
                return
            }
        }
    }

    /// Whether everything between the start of this line and the current position is
    /// spaces or tabs.
    private func isInIndentation() -> Bool {
        var position = index - 1
        while position >= 0 {
            let byte = input[position]
            if byte == .lineFeed || byte == .carriageReturn { return true }
            if byte != .space && byte != .tab { return false }
            position -= 1
        }
        return true
    }

    // MARK: - Fetchers

    private mutating func fetchStreamEnd() throws(YAMLError) {
        unwindIndent(-1)
        try removePossibleSimpleKey()
        allowSimpleKey = false
        for level in simpleKeys.indices { simpleKeys[level] = nil }
        simpleKeyCount = 0
        tokens.append(YAMLToken(kind: .streamEnd, start: mark))
        done = true
    }

    private mutating func fetchDirective() throws(YAMLError) {
        unwindIndent(-1)
        try removePossibleSimpleKey()
        allowSimpleKey = false
        tokens.append(try scanDirective())
    }

    private mutating func fetchDocumentIndicator(_ kind: YAMLToken.Kind) throws(YAMLError) {
        unwindIndent(-1)
        try removePossibleSimpleKey()
        allowSimpleKey = false
        let start = mark
        forwardInLine(3)
        tokens.append(YAMLToken(kind: kind, start: start))
    }

    private mutating func fetchFlowCollectionStart(_ kind: YAMLToken.Kind) throws(YAMLError) {
        try savePossibleSimpleKey()
        if flowLevel >= maximumDepth { throw error("nesting deeper than \(maximumDepth) levels") }
        flowLevel += 1
        if simpleKeys.count <= flowLevel { simpleKeys.append(nil) }
        allowSimpleKey = true
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: kind, start: start))
    }

    private mutating func fetchFlowCollectionEnd(_ kind: YAMLToken.Kind) throws(YAMLError) {
        try removePossibleSimpleKey()
        if flowLevel > 0 { flowLevel -= 1 }
        allowSimpleKey = false
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: kind, start: start))
    }

    private mutating func fetchFlowEntry() throws(YAMLError) {
        allowSimpleKey = true
        try removePossibleSimpleKey()
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: .flowEntry, start: start))
    }

    private mutating func fetchBlockEntry() throws(YAMLError) {
        if flowLevel == 0 {
            guard allowSimpleKey else {
                throw error("a sequence entry ('- ') is not allowed here; a block sequence starts on its own line")
            }
            if try addIndent(column) {
                tokens.append(YAMLToken(kind: .blockSequenceStart, start: mark))
            }
        }
        allowSimpleKey = true
        try removePossibleSimpleKey()
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: .blockEntry, start: start))
    }

    private mutating func fetchKey() throws(YAMLError) {
        if flowLevel == 0 {
            guard allowSimpleKey else { throw error("an explicit mapping key ('? ') is not allowed here") }
            if try addIndent(column) {
                tokens.append(YAMLToken(kind: .blockMappingStart, start: mark))
            }
        }
        allowSimpleKey = flowLevel == 0
        try removePossibleSimpleKey()
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: .key, start: start))
    }

    private mutating func fetchValue() throws(YAMLError) {
        if let key = simpleKeys[flowLevel] {
            // The ':' confirms the remembered simple key: announce it retroactively.
            simpleKeys[flowLevel] = nil
            simpleKeyCount -= 1
            let position = head + key.tokenNumber - tokensTaken
            tokens.insert(YAMLToken(kind: .key, start: key.mark), at: position)
            if flowLevel == 0, try addIndent(key.mark.column) {
                tokens.insert(YAMLToken(kind: .blockMappingStart, start: key.mark), at: position)
            }
            allowSimpleKey = false
        } else {
            if flowLevel == 0 {
                guard allowSimpleKey else {
                    if let key = overlongKey, key.line == line { throw overlong(key) }
                    if let plain = multilinePlainBefore {
                        throw error(
                            "a mapping value is not allowed here: this line continues the unquoted value that starts at line \(plain.line + 1), column \(plain.column + 1); check its indentation"
                        )
                    }
                    throw error(
                        "a mapping value is not allowed here; a ': ' inside an unquoted value needs the value quoted")
                }
                if try addIndent(column) {
                    tokens.append(YAMLToken(kind: .blockMappingStart, start: mark))
                }
            }
            allowSimpleKey = flowLevel == 0
            try removePossibleSimpleKey()
        }
        let start = mark
        forwardInLine(1)
        tokens.append(YAMLToken(kind: .value, start: start))
    }

    private mutating func fetchAnchorOrAlias(_ kind: YAMLToken.Kind) throws(YAMLError) {
        try savePossibleSimpleKey()
        allowSimpleKey = false
        let start = mark
        forwardInLine(1)
        let nameStart = index
        while peek().isAnchorCharacter { index += 1 }
        let what = kind == .alias ? "an alias" : "an anchor"
        guard index > nameStart else {
            throw error("expected \(what) name (letters, digits, '-' or '_') after '\(kind == .alias ? "*" : "&")'")
        }
        switch peek() {
        case 0, .space, .tab, .lineFeed, .carriageReturn, .questionMark, .colon, .comma, .rightBracket,
            .rightBrace, .percent, .at, .backtick:
            break
        default:
            throw error("\(what) name may hold only letters, digits, '-' and '_'")
        }
        column += index - nameStart
        tokens.append(YAMLToken(kind: kind, start: start, text: text(nameStart, index)))
    }

    private mutating func fetchTag() throws(YAMLError) {
        try savePossibleSimpleKey()
        allowSimpleKey = false
        tokens.append(try scanTag())
    }

    private mutating func fetchBlockScalar(folded: Bool) throws(YAMLError) {
        allowSimpleKey = true
        try removePossibleSimpleKey()
        tokens.append(try scanBlockScalar(folded: folded))
    }

    private mutating func fetchFlowScalar(double: Bool) throws(YAMLError) {
        try savePossibleSimpleKey()
        allowSimpleKey = false
        tokens.append(try scanFlowScalar(double: double))
    }

    private mutating func fetchPlain() throws(YAMLError) {
        try savePossibleSimpleKey()
        allowSimpleKey = false
        tokens.append(try scanPlain())
    }

    // MARK: - Directives and tags

    private mutating func skipSpaces() {
        while peek() == .space || peek() == .tab { forwardInLine(1) }
    }

    private mutating func scanDirective() throws(YAMLError) -> YAMLToken {
        let start = mark
        forwardInLine(1)
        let nameStart = index
        while peek().isAnchorCharacter { index += 1 }
        let name = text(nameStart, index)
        column += index - nameStart
        guard !name.isEmpty, peek().isBlankOrEnd else {
            throw error("expected a directive name such as %YAML or %TAG after '%'")
        }
        var token = YAMLToken(kind: .otherDirective, start: start, text: name)
        switch name {
        case "YAML":
            skipSpaces()
            let versionStart = index
            while peek().isDigit || peek() == .period { forwardInLine(1) }
            let version = text(versionStart, index)
            let parts = version.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, peek().isBlankOrEnd else {
                throw error("expected a version such as 1.2 after %YAML", at: start)
            }
            guard parts[0] == "1" else {
                throw error("this document declares YAML \(version); conduit reads YAML 1.x", at: start)
            }
            token.kind = .versionDirective
            token.text = version
        case "TAG":
            skipSpaces()
            token.kind = .tagDirective
            token.handle = try scanTagHandle(start: start)
            guard peek() == .space || peek() == .tab else { throw error("expected a space after the %TAG handle") }
            skipSpaces()
            token.text = try scanTagURI(start: start)
            guard peek().isBlankOrEnd else { throw error("expected a space or line end after the %TAG prefix") }
        default:
            while !peek().isBreakOrEnd { forwardInLine(1) }
        }
        skipSpaces()
        if peek() == .hash {
            while !peek().isBreakOrEnd { forwardInLine(1) }
        }
        guard peek().isBreakOrEnd else { throw error("expected a comment or a line break after the directive") }
        _ = scanLineBreak()
        return token
    }

    private mutating func scanTag() throws(YAMLError) -> YAMLToken {
        let start = mark
        var handle: String?
        let suffix: String
        let next = peek(1)
        if next == .lessThan {
            forwardInLine(2)
            suffix = try scanTagURI(start: start)
            guard peek() == .greaterThan else { throw error("expected '>' to close the verbatim tag") }
            forwardInLine(1)
        } else if next.isBlankOrEnd {
            handle = nil
            suffix = "!"
            forwardInLine(1)
        } else {
            // `!!suffix`, `!name!suffix` or `!suffix`: a second '!' before the next blank
            // means the part up to it is a handle.
            var length = 1
            var usesHandle = false
            while !peek(length).isBlankOrEnd {
                if peek(length) == .exclamation {
                    usesHandle = true
                    break
                }
                length += 1
            }
            if usesHandle {
                handle = try scanTagHandle(start: start)
            } else {
                handle = "!"
                forwardInLine(1)
            }
            suffix = try scanTagURI(start: start)
        }
        guard peek().isBlankOrEnd || (flowLevel > 0 && peek() == .comma) else {
            throw error("expected a space after the tag")
        }
        return YAMLToken(kind: .tag, start: start, text: suffix, handle: handle)
    }

    private mutating func scanTagHandle(start: YAMLMark) throws(YAMLError) -> String {
        guard peek() == .exclamation else { throw error("expected '!' to start a tag handle") }
        let handleStart = index
        var length = 1
        if peek(length) != .space {
            while peek(length).isAnchorCharacter { length += 1 }
            guard peek(length) == .exclamation else {
                forwardInLine(length)
                throw error("expected '!' to end the tag handle")
            }
            length += 1
        }
        forwardInLine(length)
        return text(handleStart, index)
    }

    /// Reads a tag URI, decoding `%XX` escapes.
    private mutating func scanTagURI(start: YAMLMark) throws(YAMLError) -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = peek()
            if byte == .percent {
                guard peek(1).hexValue != nil, peek(2).hexValue != nil else {
                    throw error("expected two hexadecimal digits after '%' in a tag")
                }
                bytes.append(peek(1).hexValue! << 4 | peek(2).hexValue!)
                forwardInLine(3)
            } else if byte.isURICharacter && !(flowLevel > 0 && byte == .comma) {
                bytes.append(byte)
                forwardInLine(1)
            } else {
                break
            }
        }
        guard !bytes.isEmpty else { throw error("expected a tag name after '!'") }
        guard let uri = String(validating: bytes, as: UTF8.self) else {
            throw error("the %-escapes in this tag are not valid UTF-8", at: start)
        }
        return uri
    }

    // MARK: - Block scalars

    private mutating func scanBlockScalar(folded: Bool) throws(YAMLError) -> YAMLToken {
        let start = mark
        forwardInLine(1)

        // Header: chomping (`+` keep, `-` strip, default clip) and indentation indicator, either order.
        var chomping: Bool?
        var increment: Int?
        for _ in 0..<2 {
            let byte = peek()
            if (byte == .plus || byte == .minus) && chomping == nil {
                chomping = byte == .plus
                forwardInLine(1)
            } else if byte.isDigit && increment == nil {
                guard byte != .zero else {
                    throw error("a block scalar's indentation indicator must be 1 to 9, not 0")
                }
                increment = Int(byte - .zero)
                forwardInLine(1)
            }
        }
        skipSpaces()
        if peek() == .hash {
            guard index == 0 || input[index - 1] == .space || input[index - 1] == .tab else {
                throw error("expected a space before the comment after a block scalar indicator")
            }
            while !peek().isBreakOrEnd { forwardInLine(1) }
        }
        guard peek().isBreakOrEnd else {
            throw error("expected a line break after the block scalar indicator ('|' or '>', then optionally '+'/'-' and a digit)")
        }
        _ = scanLineBreak()

        let minimumIndent = max(indent + 1, 1)
        var content: [UInt8] = []
        var breaks = 0
        let blockIndent: Int
        if let increment {
            blockIndent = minimumIndent + increment - 1
            breaks = scanBlockScalarBreaks(blockIndent)
        } else {
            // The first non-empty line decides the indentation; leading empty lines may
            // not be indented deeper than it.
            var maximumIndent = 0
            while peek() == .space || peek().isLineBreak {
                if peek() == .space {
                    forwardInLine(1)
                    maximumIndent = max(maximumIndent, column)
                } else {
                    _ = scanLineBreak()
                    breaks += 1
                }
            }
            blockIndent = max(minimumIndent, maximumIndent)
        }

        var lineBreak = false
        while column == blockIndent && index < input.count {
            content.append(contentsOf: repeatElement(UInt8.lineFeed, count: breaks))
            let leadingNonSpace = peek() != .space && peek() != .tab
            let lineStart = index
            while !peek().isBreakOrEnd { index += 1 }
            let lineText = UnsafeBufferPointer(rebasing: input[lineStart..<index])
            content.append(contentsOf: lineText)
            for byte in lineText where byte & 0xC0 != 0x80 { column += 1 }
            lineBreak = scanLineBreak()
            breaks = scanBlockScalarBreaks(blockIndent)
            guard column == blockIndent && index < input.count else { break }
            // Folding: a line break between two lines that start with non-space text
            // becomes a space, unless empty lines follow (they are kept as line feeds).
            if folded && lineBreak && leadingNonSpace && peek() != .space && peek() != .tab {
                if breaks == 0 { content.append(.space) }
            } else {
                content.append(.lineFeed)
            }
        }
        // Chomping: clip keeps the last line break, keep (+) also the trailing empty lines,
        // strip (-) neither.
        if chomping != false && lineBreak { content.append(.lineFeed) }
        if chomping == true { content.append(contentsOf: repeatElement(UInt8.lineFeed, count: breaks)) }
        return YAMLToken(
            kind: .scalar, start: start, text: String(decoding: content, as: UTF8.self),
            style: folded ? .folded : .literal)
    }

    /// Skips the indentation and empty lines before the next content line of a block scalar,
    /// returning how many line breaks it passed.
    private mutating func scanBlockScalarBreaks(_ blockIndent: Int) -> Int {
        var breaks = 0
        while column < blockIndent && peek() == .space { forwardInLine(1) }
        while peek().isLineBreak {
            _ = scanLineBreak()
            breaks += 1
            while column < blockIndent && peek() == .space { forwardInLine(1) }
        }
        return breaks
    }

    // MARK: - Quoted scalars

    private mutating func scanFlowScalar(double: Bool) throws(YAMLError) -> YAMLToken {
        let start = mark
        let quote: UInt8 = double ? .doubleQuote : .singleQuote
        forwardInLine(1)
        var content: [UInt8] = []
        try scanFlowScalarNonSpaces(double: double, start: start, into: &content)
        while peek() != quote {
            try scanFlowScalarSpaces(double: double, start: start, into: &content)
            try scanFlowScalarNonSpaces(double: double, start: start, into: &content)
        }
        forwardInLine(1)
        return YAMLToken(
            kind: .scalar, start: start, text: String(decoding: content, as: UTF8.self),
            style: double ? .doubleQuoted : .singleQuoted)
    }

    private func unterminated(_ double: Bool, _ start: YAMLMark) -> YAMLError {
        error(
            "this \(double ? "double" : "single")-quoted scalar is never closed: expected \(double ? "'\"'" : "\"'\"") before the end of the input",
            at: start)
    }

    private mutating func scanFlowScalarNonSpaces(double: Bool, start: YAMLMark, into content: inout [UInt8])
        throws(YAMLError)
    {
        while true {
            let runStart = index
            while true {
                let byte = peek()
                if byte == .singleQuote || byte == .doubleQuote || byte == .backslash || byte == .space
                    || byte == .tab || byte.isBreakOrEnd
                {
                    break
                }
                index += 1
            }
            if index > runStart {
                let run = UnsafeBufferPointer(rebasing: input[runStart..<index])
                content.append(contentsOf: run)
                for byte in run where byte & 0xC0 != 0x80 { column += 1 }
            }
            let byte = peek()
            if !double && byte == .singleQuote && peek(1) == .singleQuote {
                content.append(.singleQuote)
                forwardInLine(2)
            } else if (double && byte == .singleQuote) || (!double && (byte == .doubleQuote || byte == .backslash)) {
                content.append(byte)
                forwardInLine(1)
            } else if double && byte == .backslash {
                try scanEscape(start: start, into: &content)
            } else {
                return
            }
        }
    }

    private mutating func scanEscape(start: YAMLMark, into content: inout [UInt8]) throws(YAMLError) {
        let escapeMark = mark
        forwardInLine(1)
        let byte = peek()
        let simple: [UInt8]?
        switch byte {
        case .zero: simple = [0]
        case UInt8(ascii: "a"): simple = [0x07]
        case UInt8(ascii: "b"): simple = [0x08]
        case UInt8(ascii: "t"), .tab: simple = [0x09]
        case UInt8(ascii: "n"): simple = [0x0A]
        case UInt8(ascii: "v"): simple = [0x0B]
        case UInt8(ascii: "f"): simple = [0x0C]
        case UInt8(ascii: "r"): simple = [0x0D]
        case UInt8(ascii: "e"): simple = [0x1B]
        case .space: simple = [0x20]
        case .doubleQuote: simple = [0x22]
        case .slash: simple = [0x2F]
        case .backslash: simple = [0x5C]
        case UInt8(ascii: "N"): simple = [0xC2, 0x85]
        case UInt8(ascii: "_"): simple = [0xC2, 0xA0]
        case UInt8(ascii: "L"): simple = [0xE2, 0x80, 0xA8]
        case UInt8(ascii: "P"): simple = [0xE2, 0x80, 0xA9]
        default: simple = nil
        }
        if let simple {
            content.append(contentsOf: simple)
            forwardInLine(1)
            return
        }
        if byte.isLineBreak {
            // An escaped line break joins the lines without a space.
            _ = scanLineBreak()
            try scanFlowScalarBreaks(double: true, start: start, into: &content)
            return
        }
        let digits: Int
        switch byte {
        case UInt8(ascii: "x"): digits = 2
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default:
            if byte == 0 { throw unterminated(true, start) }
            throw error("unknown escape sequence '\\\(String(decoding: [byte], as: UTF8.self))' in a double-quoted scalar", at: escapeMark)
        }
        forwardInLine(1)
        var code = try scanHex(digits, escapeMark)
        if (0xD800...0xDBFF).contains(code), peek() == .backslash, peek(1) == UInt8(ascii: "u") {
            // A UTF-16 surrogate pair, as JSON writers emit: decode it to one character.
            let saved = (index, column)
            forwardInLine(2)
            let low = try scanHex(4, escapeMark)
            if (0xDC00...0xDFFF).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                (index, column) = saved
            }
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw error("the escape '\\\(String(decoding: [byte], as: UTF8.self))' names no Unicode character (a lone surrogate or beyond U+10FFFF)", at: escapeMark)
        }
        content.append(contentsOf: String(scalar).utf8)
    }

    private mutating func scanHex(_ digits: Int, _ escapeMark: YAMLMark) throws(YAMLError) -> UInt32 {
        var code: UInt32 = 0
        for offset in 0..<digits {
            guard let value = peek(offset).hexValue else {
                throw error("expected \(digits) hexadecimal digits in this escape sequence", at: escapeMark)
            }
            code = code << 4 | UInt32(value)
        }
        forwardInLine(digits)
        return code
    }

    private mutating func scanFlowScalarSpaces(double: Bool, start: YAMLMark, into content: inout [UInt8])
        throws(YAMLError)
    {
        let whitespaceStart = index
        while peek() == .space || peek() == .tab { forwardInLine(1) }
        let whitespaceEnd = index
        let byte = peek()
        if byte == 0 {
            throw unterminated(double, start)
        } else if byte.isLineBreak {
            // Folding: one line break becomes a space; each further (empty) line a line feed.
            _ = scanLineBreak()
            let before = content.count
            try scanFlowScalarBreaks(double: double, start: start, into: &content)
            if content.count == before { content.append(.space) }
        } else {
            content.append(contentsOf: UnsafeBufferPointer(rebasing: input[whitespaceStart..<whitespaceEnd]))
        }
    }

    private mutating func scanFlowScalarBreaks(double: Bool, start: YAMLMark, into content: inout [UInt8])
        throws(YAMLError)
    {
        while true {
            if atDocumentIndicator() {
                throw error(
                    "a document marker ('---' or '...') appears inside a quoted scalar that starts at line \(start.line + 1), column \(start.column + 1); is a closing quote missing?"
                )
            }
            while peek() == .space || peek() == .tab { forwardInLine(1) }
            if peek().isLineBreak {
                _ = scanLineBreak()
                content.append(.lineFeed)
            } else {
                return
            }
        }
    }

    // MARK: - Plain scalars

    private mutating func scanPlain() throws(YAMLError) -> YAMLToken {
        let start = mark
        let plainIndent = indent + 1
        var content: [UInt8] = []
        var singleRun: Range<Int>?
        var pendingSpaces: Range<Int>?
        var pendingBreaks = -1  // -1: no line break pending; else number of empty lines
        var lastContentLine = start.line
        while true {
            if peek() == .hash { break }
            let runStart = index
            while true {
                let byte = peek()
                if byte == .space || byte == .tab || byte.isBreakOrEnd { break }
                if byte == .colon {
                    let next = peek(1)
                    if next.isBlankOrEnd { break }
                    if flowLevel > 0
                        && (next == .comma || next == .leftBracket || next == .rightBracket || next == .leftBrace
                            || next == .rightBrace)
                    {
                        break
                    }
                }
                if flowLevel > 0
                    && (byte == .comma || byte == .questionMark || byte == .leftBracket || byte == .rightBracket
                        || byte == .leftBrace || byte == .rightBrace)
                {
                    // PyYAML ends a flow plain scalar at '?' too; the spec allows it inside.
                    if byte != .questionMark || peek(1).isBlankOrEnd || index == runStart { break }
                }
                index += 1
            }
            if index == runStart { break }
            allowSimpleKey = false
            lastContentLine = line
            // Append what separated this run from the previous one.
            if singleRun == nil && content.isEmpty && pendingBreaks < 0 && pendingSpaces == nil {
                singleRun = runStart..<index
            } else {
                if let run = singleRun {
                    content.append(contentsOf: UnsafeBufferPointer(rebasing: input[run]))
                    singleRun = nil
                }
                if pendingBreaks > 0 {
                    content.append(contentsOf: repeatElement(UInt8.lineFeed, count: pendingBreaks))
                } else if pendingBreaks == 0 {
                    content.append(.space)
                } else if let spaces = pendingSpaces {
                    content.append(contentsOf: UnsafeBufferPointer(rebasing: input[spaces]))
                }
                content.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
            }
            for position in runStart..<index where input[position] & 0xC0 != 0x80 { column += 1 }
            pendingSpaces = nil
            pendingBreaks = -1

            // Whitespace after the run: spaces on this line, or a line break and the
            // indentation and empty lines after it.
            let spacesStart = index
            while peek() == .space || peek() == .tab { forwardInLine(1) }
            if peek().isLineBreak {
                _ = scanLineBreak()
                allowSimpleKey = true
                if atDocumentIndicator() { break }
                var emptyLines = 0
                var ended = false
                while true {
                    while peek() == .space { forwardInLine(1) }
                    if peek() == .tab {
                        // A tab may follow the indentation, or fill an otherwise empty line.
                        var ahead = index
                        while ahead < input.count && (input[ahead] == .space || input[ahead] == .tab) { ahead += 1 }
                        let next = ahead < input.count ? input[ahead] : 0
                        if next == .lineFeed || next == .carriageReturn || next == 0
                            || flowLevel > 0 || column >= plainIndent
                        {
                            forwardInLine(ahead - index)
                        }
                    }
                    guard peek().isLineBreak else { break }
                    _ = scanLineBreak()
                    emptyLines += 1
                    if atDocumentIndicator() {
                        ended = true
                        break
                    }
                }
                if ended { break }
                pendingBreaks = emptyLines
                if flowLevel == 0 && column < plainIndent { break }
            } else if index > spacesStart {
                pendingSpaces = spacesStart..<index
            } else {
                break
            }
            if peek() == .hash { break }
        }
        if lastContentLine != start.line { multilinePlain = start }
        let value: String
        if let run = singleRun {
            value = text(run.lowerBound, run.upperBound)
        } else {
            value = String(decoding: content, as: UTF8.self)
        }
        return YAMLToken(kind: .scalar, start: start, text: value, style: .plain)
    }
}

fileprivate extension UInt8 {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let exclamation = UInt8(ascii: "!")
    static let doubleQuote = UInt8(ascii: "\"")
    static let hash = UInt8(ascii: "#")
    static let percent = UInt8(ascii: "%")
    static let ampersand = UInt8(ascii: "&")
    static let singleQuote = UInt8(ascii: "'")
    static let asterisk = UInt8(ascii: "*")
    static let plus = UInt8(ascii: "+")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let period = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let zero = UInt8(ascii: "0")
    static let colon = UInt8(ascii: ":")
    static let lessThan = UInt8(ascii: "<")
    static let greaterThan = UInt8(ascii: ">")
    static let questionMark = UInt8(ascii: "?")
    static let at = UInt8(ascii: "@")
    static let leftBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let rightBracket = UInt8(ascii: "]")
    static let backtick = UInt8(ascii: "`")
    static let leftBrace = UInt8(ascii: "{")
    static let verticalBar = UInt8(ascii: "|")
    static let rightBrace = UInt8(ascii: "}")

    /// A space, tab, line break, or the end of input (peek returns 0 there).
    var isBlankOrEnd: Bool {
        self == .space || self == .tab || self == .lineFeed || self == .carriageReturn || self == 0
    }

    var isBreakOrEnd: Bool { self == .lineFeed || self == .carriageReturn || self == 0 }
    var isLineBreak: Bool { self == .lineFeed || self == .carriageReturn }
    var isDigit: Bool { self >= .zero && self <= UInt8(ascii: "9") }

    /// The characters PyYAML and libyaml accept in anchor, alias and directive names.
    var isAnchorCharacter: Bool {
        isDigit || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || self == .minus || self == UInt8(ascii: "_")
    }

    var isURICharacter: Bool {
        if isAnchorCharacter { return true }
        switch self {
        case UInt8(ascii: ";"), .slash, .questionMark, .colon, .at, .ampersand, UInt8(ascii: "="), .plus,
            UInt8(ascii: "$"), .comma, .period, .exclamation, UInt8(ascii: "~"), .asterisk, .singleQuote,
            UInt8(ascii: "("), UInt8(ascii: ")"), .leftBracket, .rightBracket:
            return true
        default:
            return false
        }
    }

    var hexValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
