/// The names an import derives from a document: the integration's, resources' and
/// methods' (`^[a-z][a-z0-9_]*$`), and tool argument names (`^[a-zA-Z0-9_.-]{1,64}$`).
/// Every rule here is deterministic: the same document always yields the same names.
enum OpenAPINaming {
    /// `snake_case` words of any spelling: `listIssuesForRepo`, `get-or-create`,
    /// `HTTPServer`, `conversations.list` → `list_issues_for_repo`, `get_or_create`,
    /// `http_server`, `conversations_list`.
    static func snakeCase(_ text: String) -> String {
        var words: [String] = []
        var current = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            guard character.isASCII, character.isLetter || character.isNumber else {
                if !current.isEmpty { words.append(current) }
                current = ""
                continue
            }
            if character.isUppercase, !current.isEmpty {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                // A new word starts at lower→Upper, and at the last capital of an acronym (HTTPServer).
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && (next?.isLowercase ?? false)) {
                    words.append(current)
                    current = ""
                }
            }
            current.append(Character(character.lowercased()))
        }
        if !current.isEmpty { words.append(current) }
        return words.joined(separator: "_")
    }

    /// A name matching `^[a-z][a-z0-9_]*$`: the snake-cased text, prefixed when it would
    /// start with a digit, or `fallback` when nothing is left.
    static func identifier(_ text: String, fallback: String) -> String {
        let snake = snakeCase(text)
        guard let first = snake.first else { return fallback }
        return first.isLetter ? snake : "n\(snake)"
    }

    /// What MCP clients accept as an argument name: other characters become `_`, at most 64.
    static func argumentName(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isASCII, character.isLetter || character.isNumber || "_.-".contains(character) {
                out.append(character)
            } else if !out.hasSuffix("_") {
                out.append("_")
            }
        }
        while out.hasSuffix("_") && out.count > 1 { out.removeLast() }
        while out.hasPrefix("_") && out.count > 1 { out.removeFirst() }
        if out.isEmpty || out == "_" { out = "value" }
        return String(out.prefix(64))
    }

    /// The last word of a snake-case name in the singular: `issues` → `issue`,
    /// `policies` → `policy`, `addresses` → `address`, `data` stays.
    static func singular(_ name: String) -> String {
        var words = name.split(separator: "_").map(String.init)
        guard let last = words.popLast() else { return name }
        words.append(singularWord(last))
        return words.joined(separator: "_")
    }

    private static let unchanged: Set<String> = [
        "data", "news", "status", "series", "species", "media", "metadata", "settings_data", "analytics", "info", "access", "address",
        "business", "process", "class", "alias", "bus", "canvas", "census", "campus", "corpus", "virus", "radius", "status",
    ]

    private static let irregular: [String: String] = [
        "aliases": "alias", "statuses": "status", "buses": "bus", "campuses": "campus", "viruses": "virus", "bonuses": "bonus",
        "analyses": "analysis", "indices": "index", "people": "person", "children": "child", "men": "man", "women": "woman",
        "quizzes": "quiz", "movies": "movie", "cookies": "cookie", "series": "series",
    ]

    static func singularWord(_ word: String) -> String {
        if let known = irregular[word] { return known }
        if unchanged.contains(word) || word.count <= 2 { return word }
        if word.hasSuffix("ies") && word.count > 4 { return String(word.dropLast(3)) + "y" }
        for ending in ["sses", "shes", "ches", "xes", "zzes"] where word.hasSuffix(ending) { return String(word.dropLast(2)) }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") { return word }
        if word.hasSuffix("s") { return String(word.dropLast()) }
        return word
    }

    /// Words a title carries that say nothing about which API it is.
    private static let titleNoise: Set<String> = [
        "api", "apis", "rest", "restful", "http", "https", "web", "openapi", "swagger", "public", "the", "service", "services",
        "specification", "spec", "description", "reference", "documentation", "docs", "platform", "v", "and", "for", "of",
    ]

    /// An integration name from a document title: its telling words, at most two
    /// (`GitHub v3 REST API` → `github`, `Twilio SendGrid Marketing Campaigns Contacts API` → `twilio_sendgrid`).
    static func integrationName(title: String?) -> String {
        // Words as the title spells them (SendGrid stays one word), lower-cased.
        let spelled = (title ?? "").lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let words = spelled.map(String.init).filter { word in
            !titleNoise.contains(word) && !(word.first == "v" && word.dropFirst().allSatisfy(\.isNumber)) && !word.allSatisfy(\.isNumber)
        }
        let name = words.prefix(2).joined(separator: "_")
        return identifier(name, fallback: "api")
    }

    /// A version segment of a path (`v1`, `v2beta1`, `v3.1`), left out of resource names.
    static func isVersionSegment(_ segment: String) -> Bool {
        let lower = segment.lowercased()
        guard lower.first == "v", lower.count >= 2 else { return false }
        let rest = lower.dropFirst()
        guard rest.first?.isNumber == true else { return false }
        return rest.allSatisfy { $0.isNumber || $0 == "." || $0.isLetter }
            && (rest.allSatisfy { $0.isNumber || $0 == "." } || rest.contains("alpha") || rest.contains("beta"))
    }
}
