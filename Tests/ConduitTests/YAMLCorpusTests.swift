import Foundation
import Testing

@testable import Conduit

/// PyYAML as the reference for conduit's YAML parser: a Python interpreter that can
/// `import yaml`, a script that reads YAML files into JSON the way conduit should, and a
/// comparison that names the first JSON path where two values differ.
enum YAMLReference {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The shared OpenAPI corpus, next to the package (absent in a user's clone).
    static let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/openapi-corpus")

    static var corpusIsPresent: Bool { FileManager.default.fileExists(atPath: corpus.path) }

    /// `$CONDUIT_TEST_PYTHON`, else the package's `.venv`, else `python3` on the PATH; nil
    /// when that interpreter cannot import PyYAML.
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        let candidate =
            environment["CONDUIT_TEST_PYTHON"] ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3")
        let status = try? run(candidate, ["-c", "import yaml"], log: nil)
        return status == 0 ? candidate : nil
    }()

    /// Runs the interpreter (through `env`, so a bare name is looked up on the PATH) with its
    /// output going to `log`, and returns its exit status.
    static func run(_ python: String, _ arguments: [String], log: URL?, environment: [String: String] = [:]) throws
        -> Int32
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The reference loader. It is PyYAML's SafeLoader configured to the YAML 1.2 core
    /// schema that OpenAPI 3.x documents are written in, which is conduit's choice too:
    /// the implicit resolvers are replaced (booleans only true/false in three casings; null;
    /// integers decimal, 0o and 0x; floats by the core regex; no timestamps, no sexagesimals,
    /// no yes/no/on/off), merge keys are kept, and keys become strings as conduit makes them.
    /// Values JSON cannot hold stay the text as written (.inf, .nan, 1e400), as in conduit.
    /// libyaml's parser is used when PyYAML has it (5 s instead of 23 s for the corpus; the
    /// two agree on every corpus file).
    ///
    /// Usage: `reference.py MANIFEST OUTDIR [--compare-1.1]`. For the Nth path in MANIFEST it
    /// writes OUTDIR/N.json, or OUTDIR/N.error when PyYAML refuses the file. With
    /// --compare-1.1 it also writes OUTDIR/resolution.json: where PyYAML's default YAML 1.1
    /// resolution reads a value differently.
    static let script = #"""
        import collections, datetime, json, math, os, re, sys
        import yaml

        Base = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

        class CoreLoader(Base):
            yaml_implicit_resolvers = {}

        CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
        CORE_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
        for tag, regex, first in [
            ("bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
            ("null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
            ("int", CORE_INT, "-+0123456789"),
            ("float", CORE_FLOAT, "-+0123456789."),
            ("merge", re.compile(r"^(?:<<)$"), "<"),
        ]:
            CoreLoader.add_implicit_resolver("tag:yaml.org,2002:" + tag, regex, list(first))

        def refuse(node, what):
            raise yaml.constructor.ConstructorError(None, None, "%r is not %s" % (node.value, what), node.start_mark)

        def construct_int(loader, node):
            text = loader.construct_scalar(node)
            if not CORE_INT.match(text): refuse(node, "an integer")
            sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
            if digits.startswith("0x"): value = int(digits[2:], 16)
            elif digits.startswith("0o"): value = int(digits[2:], 8)
            else: value = int(digits, 10)
            try: float(value)
            except OverflowError: return text
            return sign * value

        def construct_float(loader, node):
            text = loader.construct_scalar(node)
            if CORE_INT.match(text):
                value = construct_int(loader, node)
                return text if isinstance(value, str) else float(value)
            if not CORE_FLOAT.match(text): refuse(node, "a number")
            value = float(text) if re.match(r"^[-+]?(?:\.[0-9]|[0-9])", text) else math.inf
            return text if math.isinf(value) or math.isnan(value) else value

        def construct_bool(loader, node):
            text = loader.construct_scalar(node)
            if text not in ("true", "True", "TRUE", "false", "False", "FALSE"): refuse(node, "a boolean")
            return text.lower() == "true"

        def construct_text(loader, node):
            return loader.construct_scalar(node)

        def construct_untagged(loader, suffix, node):
            """A tag conduit does not know is ignored: the node reads as if untagged."""
            if isinstance(node, yaml.MappingNode): return loader.construct_yaml_map(node)
            if isinstance(node, yaml.SequenceNode): return loader.construct_yaml_seq(node)
            if node.style in (None, ""):
                tag = loader.resolve(yaml.ScalarNode, node.value, (True, False))
                return loader.yaml_constructors.get(tag, CoreLoader.construct_scalar)(loader, node)
            return loader.construct_scalar(node)

        CoreLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
        CoreLoader.add_constructor("tag:yaml.org,2002:float", construct_float)
        CoreLoader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
        CoreLoader.add_constructor("tag:yaml.org,2002:binary", construct_text)
        CoreLoader.add_constructor("tag:yaml.org,2002:timestamp", construct_text)
        CoreLoader.add_constructor("tag:yaml.org,2002:set", CoreLoader.construct_yaml_map)
        CoreLoader.add_constructor("tag:yaml.org,2002:omap", CoreLoader.construct_yaml_seq)
        CoreLoader.add_constructor("tag:yaml.org,2002:pairs", CoreLoader.construct_yaml_seq)
        CoreLoader.add_multi_constructor("", construct_untagged)

        def key_text(key):
            if key is True: return "true"
            if key is False: return "false"
            if key is None: return "null"
            if isinstance(key, int): return str(key) if -2**63 <= key < 2**63 else repr(float(key))
            if isinstance(key, float): return repr(key)
            return key

        def to_json(value):
            if isinstance(value, dict): return {key_text(k): to_json(v) for k, v in value.items()}
            if isinstance(value, list): return [to_json(v) for v in value]
            return value

        def kind(core, legacy):
            if isinstance(legacy, (datetime.date, datetime.datetime)): return "timestamps (1.1: a date; 1.2: a string)"
            if isinstance(legacy, bool) and isinstance(core, str): return "yes/no/on/off (1.1: a boolean; 1.2: a string)"
            if isinstance(core, float) and isinstance(legacy, str): return "floats without a dot such as 1e3 (1.1: a string; 1.2: a number)"
            if isinstance(legacy, int) and isinstance(core, str): return "0b/1_000/sexagesimal integers (1.1: a number; 1.2: a string)"
            if isinstance(legacy, int) and isinstance(core, int): return "leading-zero octal such as 0777 (1.1: octal; 1.2: decimal)"
            return "other: %s vs %s" % (type(core).__name__, type(legacy).__name__)

        def differences(core, legacy, path, found):
            if isinstance(core, dict) and isinstance(legacy, dict):
                for (k1, v1), (k2, v2) in zip(core.items(), legacy.items()):
                    if k1 != k2 or type(k1) != type(k2): found.append((path + "/" + str(k1), k1, k2))
                    differences(v1, v2, path + "/" + str(k1), found)
            elif isinstance(core, list) and isinstance(legacy, list) and len(core) == len(legacy):
                for i, (v1, v2) in enumerate(zip(core, legacy)): differences(v1, v2, "%s/%d" % (path, i), found)
            elif core != legacy or type(core) != type(legacy):
                found.append((path, core, legacy))

        manifest, outdir = sys.argv[1], sys.argv[2]
        compare_legacy = "--compare-1.1" in sys.argv
        report = {"files": 0, "values": 0, "kinds": collections.Counter(), "examples": {}}
        for index, path in enumerate(open(manifest, encoding="utf-8").read().splitlines()):
            data = open(path, "rb").read()
            try:
                value = yaml.load(data, Loader=CoreLoader)
            except yaml.YAMLError as error:
                open(os.path.join(outdir, "%d.error" % index), "w").write(str(error))
                continue
            with open(os.path.join(outdir, "%d.json" % index), "w") as f: json.dump(to_json(value), f)
            if compare_legacy:
                legacy = yaml.load(data, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
                found = []
                differences(value, legacy, "", found)
                if found: report["files"] += 1
                for where, core, old in found:
                    report["values"] += 1
                    k = kind(core, old)
                    report["kinds"][k] += 1
                    report["examples"].setdefault(k, "%s: %r -> %r" % (where, old, core))
        if compare_legacy:
            with open(os.path.join(outdir, "resolution.json"), "w") as f: json.dump(report, f, indent=1, default=str)
        """#

    /// Runs the reference over `files`, returning for each either its JSON or PyYAML's error.
    static func read(_ files: [URL], compareResolution: Bool = false) throws -> (
        results: [Result<JSONValue, ReferenceRefusal>], resolutionReport: String?
    ) {
        let python = try #require(python)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conduit-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptFile = folder.appendingPathComponent("reference.py")
        let manifest = folder.appendingPathComponent("manifest.txt")
        let output = folder.appendingPathComponent("out", isDirectory: true)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        try files.map(\.path).joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let log = folder.appendingPathComponent("log.txt")
        var arguments = [scriptFile.path, manifest.path, output.path]
        if compareResolution { arguments.append("--compare-1.1") }
        let status = try run(python, arguments, log: log)
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try #require(status == 0, "the reference script failed: \(logText)")
        var results: [Result<JSONValue, ReferenceRefusal>] = []
        for index in files.indices {
            let json = output.appendingPathComponent("\(index).json")
            if let data = FileManager.default.contents(atPath: json.path) {
                results.append(.success(try JSONValue.parse([UInt8](data))))
            } else {
                let error = output.appendingPathComponent("\(index).error")
                results.append(.failure(ReferenceRefusal(message: (try? String(contentsOf: error, encoding: .utf8)) ?? "?")))
            }
        }
        let report = try? String(contentsOf: output.appendingPathComponent("resolution.json"), encoding: .utf8)
        return (results, report)
    }

    struct ReferenceRefusal: Error {
        var message: String
    }

    /// The first JSON path where `ours` and `reference` differ, with both values there.
    static func firstDifference(_ ours: JSONValue, _ reference: JSONValue, path: String = "$") -> String? {
        switch (ours, reference) {
        case (.object(let left), .object(let right)):
            for key in left.keys {
                let here = path + member(key)
                guard let other = right[key] else { return "\(here): only in ours" }
                if let difference = firstDifference(left[key]!, other, path: here) { return difference }
            }
            if let extra = right.keys.first(where: { left[$0] == nil }) { return "\(path + member(extra)): only in PyYAML's" }
            return nil
        case (.array(let left), .array(let right)):
            for index in 0..<min(left.count, right.count) {
                if let difference = firstDifference(left[index], right[index], path: "\(path)[\(index)]") { return difference }
            }
            return left.count == right.count ? nil : "\(path): \(left.count) items in ours, \(right.count) in PyYAML's"
        default:
            return ours == reference ? nil : "\(path): ours \(ours.jsonString), PyYAML's \(reference.jsonString)"
        }
    }

    private static func member(_ key: String) -> String {
        let simple = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        return simple ? ".\(key)" : "[\(JSONValue.string(key).jsonString)]"
    }

    /// Compares conduit's reading of each file with the reference's, returning the files
    /// that differ and why.
    static func mismatches(_ files: [URL], _ results: [Result<JSONValue, ReferenceRefusal>]) throws -> [String] {
        var mismatches: [String] = []
        for (file, expected) in zip(files, results) {
            let bytes = try [UInt8](Data(contentsOf: file))
            let ours = Result { () throws(YAMLError) in try YAML.parse(bytes) }
            let name = file.path.replacingOccurrences(of: corpus.path + "/", with: "")
            switch (ours, expected) {
            case (.success(let value), .success(let reference)):
                if let difference = firstDifference(value, reference) { mismatches.append("\(name): \(difference)") }
            case (.failure(let error), .success):
                mismatches.append("\(name): conduit refuses what PyYAML reads: \(error)")
            case (.success, .failure(let refusal)):
                mismatches.append("\(name): conduit reads what PyYAML refuses: \(refusal.message)")
            case (.failure, .failure):
                break
            }
        }
        return mismatches
    }
}

/// Every YAML file of the shared OpenAPI corpus (Asana, Intercom, Redocly's museum and
/// DigitalOcean's 2,850-file split specification) must read exactly as PyYAML reads it.
/// Skipped without the corpus (a user's clone) or without a Python that has PyYAML.
@Suite struct YAMLCorpusTests {
    static var corpusFiles: [URL] {
        guard let walker = FileManager.default.enumerator(at: YAMLReference.corpus, includingPropertiesForKeys: nil)
        else { return [] }
        return walker.compactMap { $0 as? URL }.filter { ["yaml", "yml"].contains($0.pathExtension) }
            .sorted { $0.path < $1.path }
    }

    @Test(
        .enabled(if: YAMLReference.corpusIsPresent, "the shared OpenAPI corpus is not next to this package"),
        .enabled(if: YAMLReference.python != nil, "no Python with PyYAML (pip install PyYAML==6.0.3)"))
    func everyCorpusFileReadsAsPyYAMLReadsIt() async throws {
        let files = Self.corpusFiles
        #expect(files.count >= 2_853)
        let report = ProcessInfo.processInfo.environment["CONDUIT_YAML_RESOLUTION_REPORT"] == "1"
        let (mismatches, elapsed, resolution) = try await offThePool {
            let reference = try YAMLReference.read(files, compareResolution: report)
            let start = ContinuousClock.now
            let mismatches = try YAMLReference.mismatches(files, reference.results)
            return (mismatches, ContinuousClock.now - start, reference.resolutionReport)
        }
        print("YAML corpus: compared \(files.count) files with PyYAML in \(elapsed) (this build); \(mismatches.count) differ")
        if let resolution { print("YAML 1.1 against 1.2 resolution: \(resolution)") }
        for mismatch in mismatches.prefix(20) { Issue.record(Comment(rawValue: mismatch)) }
        #expect(mismatches.isEmpty)
    }

    @Test(.enabled(if: YAMLReference.python != nil, "no Python with PyYAML (pip install PyYAML==6.0.3)"))
    func ourFixturesReadAsPyYAMLReadsThem() throws {
        let files = YAMLFixtureTests.names.map { YAMLFixtureTests.folder.appendingPathComponent($0 + ".yaml") }
        let reference = try YAMLReference.read(files)
        print("YAML fixtures: compared \(files.count) files with PyYAML")
        let mismatches = try YAMLReference.mismatches(files, reference.results)
        for mismatch in mismatches { Issue.record(Comment(rawValue: mismatch)) }
        #expect(mismatches.isEmpty)
    }
}
