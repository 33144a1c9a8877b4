import Foundation

/// A parsed JSON document, kept as a tree so that a job file can be checked key by key.
///
/// `JSONDecoder` into structs would silently ignore a misspelt key (`"timezon"`) and would
/// stop at the first problem; walking the tree lets `validate` report every problem with
/// its JSON path and what was expected.
package indirect enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `data`, turning a syntax error into a message with the parser's position.
    package static func parse(_ bytes: [UInt8]) throws(TierwatchError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw TierwatchError(.badJob, "not valid JSON: \(detail ?? context.debugDescription)")
        } catch {
            throw TierwatchError(.badJob, "not valid JSON: \(error)")
        }
    }

    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Collects the problems found while reading a job file.
package final class JobProblems {
    package private(set) var messages: [String] = []
    package func add(_ path: String, _ message: String) { messages.append("\(path): \(message)") }
}

/// A position in a JSON tree: reads values and records problems with their JSON path.
package struct JSONCursor {
    package let value: JSONValue
    package let path: String
    package let problems: JobProblems

    package init(_ value: JSONValue, path: String = "$", problems: JobProblems) {
        self.value = value
        self.path = path
        self.problems = problems
    }

    package func problem(_ message: String) { problems.add(path, message) }

    /// The members of an object; unknown keys are problems (with a suggestion).
    package func object(allowed: [String]) -> [String: JSONCursor]? {
        guard case .object(let members) = value else {
            problem("expected an object, found \(value.typeName)")
            return nil
        }
        var result: [String: JSONCursor] = [:]
        for key in members.keys.sorted() {
            let child = JSONCursor(members[key]!, path: path + "." + key, problems: problems)
            if allowed.contains(key) {
                result[key] = child
            } else {
                let hint = allowed.min(by: { editDistance($0, key) < editDistance($1, key) })
                    .flatMap { editDistance($0, key) <= 2 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
                child.problem("unknown key\(hint); expected one of \(allowed.joined(separator: ", "))")
            }
        }
        return result
    }

    /// Members of an object whose keys are free (maps such as `columns`).
    package func map() -> [(key: String, cursor: JSONCursor)]? {
        guard case .object(let members) = value else {
            problem("expected an object, found \(value.typeName)")
            return nil
        }
        return members.keys.sorted().map { ($0, JSONCursor(members[$0]!, path: path + "." + $0, problems: problems)) }
    }

    package func array() -> [JSONCursor]? {
        guard case .array(let items) = value else {
            problem("expected an array, found \(value.typeName)")
            return nil
        }
        return items.enumerated().map { JSONCursor($1, path: "\(path)[\($0)]", problems: problems) }
    }

    package func string(nonEmpty: Bool = true) -> String? {
        guard case .string(let text) = value else {
            problem("expected a string, found \(value.typeName)")
            return nil
        }
        if nonEmpty && text.isEmpty {
            problem("expected a non-empty string")
            return nil
        }
        return text
    }

    package func strings() -> [String]? {
        array()?.compactMap { $0.string() }
    }

    package func number(in range: ClosedRange<Double>? = nil) -> Double? {
        guard case .number(let number) = value else {
            problem("expected a number, found \(value.typeName)")
            return nil
        }
        if let range, !range.contains(number) {
            problem("expected a number from \(range.lowerBound) to \(range.upperBound), found \(number)")
            return nil
        }
        return number
    }

    package func integer(in range: ClosedRange<Int>) -> Int? {
        guard let number = number(), number == number.rounded(), let int = Int(exactly: number) else {
            if case .number = value { problem("expected a whole number") }
            return nil
        }
        guard range.contains(int) else {
            problem("expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(int)")
            return nil
        }
        return int
    }

    package func bool() -> Bool? {
        guard case .bool(let flag) = value else {
            problem("expected true or false, found \(value.typeName)")
            return nil
        }
        return flag
    }

    /// A string that must be one of `choices`.
    package func choice(_ choices: [String]) -> String? {
        guard let text = string() else { return nil }
        guard choices.contains(text) else {
            problem("expected one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(text)\"")
            return nil
        }
        return text
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1..<(b.count + 1) {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
