/// HTTP dates (RFC 9110 §5.6.7), as `Expires` carries them: the preferred IMF-fixdate
/// ("Sun, 06 Nov 1994 08:49:37 GMT") and the two obsolete forms senders still use (RFC 850
/// "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994").
enum HTTPDate {
    /// Milliseconds since the Unix epoch, or nil when the text is not an HTTP date.
    static func parseMs(_ text: String) -> Int64? {
        let tokens = text.split { $0 == " " || $0 == "," || $0 == "-" }.map(String.init)
        // The weekday comes first in every form and says nothing the rest does not.
        guard tokens.count >= 5 else { return nil }
        let day, month, year, time: String
        if monthNumber(tokens[1]) != nil {
            // asctime: weekday month day time year
            guard tokens.count == 5 else { return nil }
            (month, day, time, year) = (tokens[1], tokens[2], tokens[3], tokens[4])
        } else {
            // IMF-fixdate and RFC 850: weekday day month year time GMT
            guard tokens.count == 6, tokens[5] == "GMT" else { return nil }
            (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4])
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard let monthValue = monthNumber(month), var yearValue = number(year, digits: [2, 4]),
              let dayValue = number(day, digits: [1, 2]), (1...31).contains(dayValue),
              clock.count == 3, let hour = number(clock[0], digits: [2]), hour < 24,
              let minute = number(clock[1], digits: [2]), minute < 60,
              let second = number(clock[2], digits: [2]), second <= 60
        else { return nil }
        // RFC 850's two-digit year: read as the nearest century that is not far in the future.
        if year.count == 2 { yearValue += yearValue < 70 ? 2000 : 1900 }
        let days = daysSinceEpoch(year: yearValue, month: monthValue, day: dayValue)
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ text: String) -> Int? {
        months.firstIndex(of: text.lowercased()).map { $0 + 1 }
    }

    private static func number<Text: StringProtocol>(_ text: Text, digits: [Int]) -> Int? {
        guard digits.contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (the civil-from-days inverse).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
