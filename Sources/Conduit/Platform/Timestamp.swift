#if canImport(FoundationEssentials)
import FoundationEssentials
#else
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#endif

/// The date and time texts conduit reads and writes — RFC 3339 timestamps, plain
/// dates and HTTP dates — converted by arithmetic on the proleptic Gregorian calendar.
///
/// Written out rather than taken from a date formatter: these formats are fixed (no
/// locale, no time zone database), and the formatters live in the part of Foundation
/// that carries ICU, which a small static binary leaves out.
package enum Timestamp {
    /// Days from 1970-01-01 to a civil date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count from 1970-01-01 (`civil_from_days`).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// A fixed instant from calendar fields, in UTC.
    package static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
        let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// An RFC 3339 / ISO 8601 date-time: `2026-12-31T23:59:59Z`, with optional fractional
    /// seconds and a `Z` or `±HH:MM` offset (`t`, `z` and a space for `T` accepted).
    package static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var reader = DigitReader(bytes: bytes)
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), let separator = reader.next(), separator == "T" || separator == "t" || separator == " ",
            let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2), reader.skip(":"),
            let second = reader.number(2)
        else { return nil }
        var fraction = 0.0
        if reader.skip(".") {
            var scale = 0.1
            var any = false
            while let digit = reader.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                any = true
            }
            guard any else { return nil }
        }
        var offset = 0
        switch reader.next() {
        case "Z", "z":
            break
        case let sign? where sign == "+" || sign == "-":
            guard let hours = reader.number(2), reader.skip(":"), let minutes = reader.number(2), hours < 24, minutes < 60 else {
                return nil
            }
            offset = (hours * 60 + minutes) * 60 * (sign == "-" ? -1 : 1)
        default:
            return nil
        }
        guard reader.atEnd, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month), hour < 24,
            minute < 60, second <= 60
        else { return nil }
        let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    /// A plain date, `2026-03-01`, as the start of that day in UTC.
    package static func parseDate(_ text: String) -> Date? {
        var reader = DigitReader(bytes: Array(text.utf8))
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), reader.atEnd, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return utc(year, month, day)
    }

    /// `2026-12-31T23:59:59Z` (whole seconds), or with `±HH:MM` for a non-zero offset.
    package static func format(_ date: Date, offsetSeconds offset: Int = 0) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let (dayCount, secondOfDay) = local.floorDivided(by: 86_400)
        let (year, month, day) = civil(days: dayCount)
        var text = "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(secondOfDay / 3600))"
        text += ":\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60))"
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60
        return text + (offset < 0 ? "-" : "+") + "\(pad(minutes / 60)):\(pad(minutes % 60))"
    }

    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Reads fixed-width decimal fields and separators from ASCII bytes.
    struct DigitReader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - 0x30)
        }

        mutating func number(_ width: Int) -> Int? {
            var value = 0
            for _ in 0..<width {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }

        mutating func next() -> Unicode.Scalar? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return Unicode.Scalar(bytes[index])
        }
    }
}

/// HTTP dates (RFC 9110 §5.6.7): written as IMF-fixdate, read in all three forms.
package enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    package static func format(_ date: Date) -> String {
        let (dayCount, secondOfDay) = Int(date.timeIntervalSince1970.rounded(.down)).floorDivided(by: 86_400)
        let (year, month, day) = Timestamp.civil(days: dayCount)
        // 1970-01-01 was a Thursday.
        let weekday = weekdays[(dayCount % 7 + 11) % 7]
        let time = "\(Timestamp.pad(secondOfDay / 3600)):\(Timestamp.pad(secondOfDay / 60 % 60)):\(Timestamp.pad(secondOfDay % 60))"
        return "\(weekday), \(Timestamp.pad(day)) \(months[month - 1]) \(Timestamp.pad(year, 4)) \(time) GMT"
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94
    /// 08:49:37 GMT`) or asctime (`Sun Nov  6 08:49:37 1994`); the weekday is not checked.
    package static func parse(_ text: String) -> Date? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int?, month: Int?, year: Int?, clock: String?
        switch words.count {
        case 6 where words[5] == "GMT":
            // IMF-fixdate: weekday, day, month, year, time, GMT.
            (day, month, year, clock) = (Int(words[1]), monthNumber(words[2]), Int(words[3]), words[4])
        case 4 where words[3] == "GMT":
            // RFC 850: weekday, day-month-yy, time, GMT.
            let parts = words[1].split(separator: "-").map(String.init)
            guard parts.count == 3, let short = Int(parts[2]) else { return nil }
            (day, month, clock) = (Int(parts[0]), monthNumber(parts[1]), words[2])
            // Two-digit years: RFC 9110 reads one more than 50 years ahead as the past century.
            year = short < 100 ? (short < 70 ? 2000 + short : 1900 + short) : short
        case 5:
            // asctime: weekday, month, day, time, year.
            (month, day, clock, year) = (monthNumber(words[1]), Int(words[2]), words[3], Int(words[4]))
        default:
            return nil
        }
        guard let day, let month, let year, let clock else { return nil }
        let fields = clock.split(separator: ":").compactMap { Int($0) }
        guard fields.count == 3, fields[0] < 24, fields[1] < 60, fields[2] <= 60, day >= 1,
            day <= Timestamp.daysInMonth(year: year, month: month)
        else { return nil }
        return Timestamp.utc(year, month, day, fields[0], fields[1], fields[2])
    }

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex { $0.caseInsensitiveEquals(name) }.map { $0 + 1 }
    }
}

extension Int {
    /// Quotient and remainder rounded towards negative infinity (the remainder is never negative).
    func floorDivided(by divisor: Int) -> (quotient: Int, remainder: Int) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

extension String {
    /// ASCII case-insensitive equality.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        lowercased() == other.lowercased()
    }
}
