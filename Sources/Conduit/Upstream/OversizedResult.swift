#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps results model-sized: a JSON result above `files.inline_limit_bytes` is written
/// whole to a private file, and the result becomes an outline of it — its shape, with
/// long strings cut and arrays shortened — plus the file, so an agent can still reason
/// about it and read the rest. (List pages are cut to the records that fit where they
/// are made, with a cursor that resumes after them: see `ResponseInterpreter`.)
enum OversizedResult {
    static func fit(_ result: ToolCallResult, store: FileStore?, title: String) -> ToolCallResult {
        guard let store, !result.isError else { return result }
        // The structured JSON is rendered (and cleaned of secrets) once, with the result:
        // measure those bytes, and write them to the file.
        let limit = store.settings.inlineLimitBytes
        guard result.textBytes.count > limit else { return result }
        let bytes = result.structuredJSON
        let file: DownloadedFile
        do {
            file = try store.write(bytes, contentType: "application/json")
        } catch {
            // No file could be written: the whole result inline beats none.
            return result
        }
        let structured: JSONObject = [
            "truncated": true, "file": .object(file.facts(contentType: "application/json")),
            "outline": outline(.object(result.structured), depth: 0, budget: limit / 2),
        ]
        let summary = "The \(title) result is \(bytes.count) bytes, above the inline limit of \(limit); the whole JSON is in \(file.path). An outline follows (arrays show their length and first records)."
        return ToolCallResult(
            structured: structured, text: summary + "\n" + JSONValue.object(structured).jsonString,
            link: file.link(contentType: "application/json", description: "Full \(title) result"))
    }

    /// Leading items whose JSON together stays within `budget` bytes (at least one if any).
    static func leadingItems(_ items: [JSONValue], budget: Int) -> [JSONValue] {
        var shown: [JSONValue] = []
        var used = 0
        for item in items {
            let size = item.jsonBytes.count + 1
            if !shown.isEmpty && used + size > budget { break }
            if shown.isEmpty && size > budget { return [outline(item, depth: 1, budget: budget)] }
            shown.append(item)
            used += size
        }
        return shown
    }

    /// A shape-preserving summary: scalars kept (long strings cut), arrays as their
    /// length plus leading records, deep objects as their keys.
    static func outline(_ value: JSONValue, depth: Int, budget: Int) -> JSONValue {
        switch value {
        case .string(let text) where text.count > 200:
            return .string(String(text.prefix(200)) + "… (\(text.count) characters)")
        case .array(let items):
            let share = max(budget / 4, 256)
            let first = leadingItems(items, budget: share).map { outline($0, depth: depth + 1, budget: share) }
            return .object(["count": .int(Int64(items.count)), "first": .array(first)])
        case .object(let object):
            guard depth < 3 else { return .object(["keys": .array(object.keys.map { .string($0) })]) }
            var out = JSONObject()
            let share = max(budget / max(object.count, 1), 256)
            for (key, child) in object { out[key] = outline(child, depth: depth + 1, budget: share) }
            return .object(out)
        default:
            return value
        }
    }
}
