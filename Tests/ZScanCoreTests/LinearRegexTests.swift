import Dispatch
import Foundation
import XCTest
@testable import ZScanCore

/// `LinearRegex`: every supported construct on hand-picked texts, agreement with ICU
/// (`NSRegularExpression`) on thousands of random patterns, linear time on the patterns that make
/// backtracking engines explode, exact errors for what is rejected, and no crash on junk.
final class LinearRegexTests: XCTestCase {
    // MARK: - Features

    /// (pattern, text, expected match) for each construct of the syntax.
    private let table: [(String, String, Bool)] = [
        // Literals and the empty pattern.
        ("abc", "xxabcxx", true), ("abc", "abxc", false), ("", "", true), ("", "anything", true),
        ("a{0}", "", true), ("()", "", true),
        // `.`
        ("a.c", "abc", true), ("a.c", "a\nc", false), ("a.c", "a🧟c", true), ("a.c", "ac", false),
        ("^...$", "a\tb", true),
        // Escapes.
        (#"a\.c"#, "a.c", true), (#"a\.c"#, "abc", false), (#"\*\+\?"#, "*+?", true),
        (#"\(\)\[\]\{\}"#, "()[]{}", true), (#"\|"#, "|", true), (#"\|"#, "a", false),
        (#"\^\$"#, "x^$", true), (#"\/\-"#, "/-", true), (#"\\"#, "a\\b", true), (#"\\"#, "ab", false),
        (#"\t"#, "a\tb", true), (#"\t"#, "a b", false), (#"\n"#, "a\nb", true), (#"\r\f\v"#, "\r\u{0C}\u{0B}", true),
        (#"\0"#, "a\u{0}b", true), (#"\0"#, "a0b", false), (#"\012"#, "\n", true), (#"\x41\x7e"#, "zA~", true),
        (#"\x41"#, "a", false), (#"\u{e9}"#, "café", true), (#"\u{1F9DF}"#, "zombie 🧟", true), (#"\u00e9"#, "é", true),
        (#"\U0001F9DF"#, "🧟", true), ("\\#\\ \\\"", "# \"", true), (#"\a"#, "\u{07}", true),
        // \d \D \w \W \s \S (ASCII).
        (#"\d+"#, "abc123", true), (#"^\d+$"#, "12a", false), (#"\d"#, "٣", false), (#"\D"#, "123", false),
        (#"\D"#, "12x", true), (#"\w"#, "!!_!!", true), (#"\w"#, "é-🧟", false), (#"\W"#, "é", true),
        (#"\W"#, "az_09", false), (#"\s"#, "a b", true), (#"\s"#, "ab", false), (#"^\s+$"#, " \t\n\r\u{0B}\u{0C}", true),
        (#"\S"#, "   ", false), (#"^\S+$"#, "a🧟", true),
        // Word boundaries.
        (#"\bcat\b"#, "a cat sat", true), (#"\bcat\b"#, "concatenate", false), (#"\Bcat\B"#, "concatenate", true),
        (#"\bcat"#, "cat", true), (#"cat\b"#, "cats", false), (#"cat\b"#, "cat!", true), (#"\b"#, "", false),
        (#"\B"#, "", true), (#"\b"#, "  ", false), (#"\bé"#, " é", false), (#"^\b"#, "a", true), (#"^\B"#, "-", true),
        (#"\b-"#, "a-", true), (#"a\b"#, "ab", false), (#"\b\b\ba"#, "a", true),
        // Bracket classes.
        ("[abc]", "xxc", true), ("[abc]", "xyz", false), ("[^abc]", "abc", false), ("[^abc]", "abcd", true),
        ("^[a-z0-9_]+$", "hello_42", true), ("^[a-z0-9_]+$", "Hello", false),
        (#"[\d\s.]"#, "a.b", true), (#"^[\d\s.]+$"#, "1 2.3", true), (#"[\d\s.]"#, "ab", false),
        ("[]abc]", "]", true), ("[]abc]", "x", false), ("[^]abc]", "]", false), ("[^]abc]", "x", true),
        ("[a-]", "-", true), ("[a-]", "b", false), ("[-a]", "-", true), (#"[\]]"#, "]", true), (#"[\-x]"#, "-", true),
        (#"[\x41-\x43]"#, "B", true), (#"[\x41-\x43]"#, "D", false), ("[é-ë]", "ê", true), ("[é-ë]", "e", false),
        ("[^é]", "é", false), ("[🧟]", "a🧟", true), ("[^a]", "\n", true), (#"[\w]"#, "_", true), (#"[\W]"#, "a", false),
        (#"[^\W]"#, "a", true), (#"[^\W]"#, "-", false), (#"[\D]"#, "5", false), (#"[\S\s]"#, "\n", true),
        ("[.]", "a", false), ("[.]", ".", true), ("^[*+?{}()|^$]+$", "$^|{", true), (#"[\b]"#, "\u{08}", true),
        (#"[\b]"#, "b", false), (#"[\t\n]"#, "\t", true), (#"[\u{1F9DF}-\u{1F9E0}]"#, "🧠", true),
        ("[a-c-e]", "-", true), ("[[]", "[", true), ("[[:]", ":", true),
        // Anchors.
        ("^abc", "abcd", true), ("^abc", "xabc", false), ("abc$", "xabc", true), ("abc$", "abc\n", false),
        ("abc$", "abcd", false), ("^$", "", true), ("^$", "a", false), ("a^b", "a^b", false), ("a$b", "ab", false),
        (#"\Aab\Z"#, "ab", true), (#"\Aab\Z"#, "xab", false), ("^a|b$", "xb", true), ("(^a|b$)", "ba c", false),
        ("^", "x", true), ("$", "x", true), ("x$|^y", "yz", true), ("^^a$$", "a", true),
        // Groups (no captures).
        ("(ab)+$", "xabab", true), ("^(ab)+$", "aba", false), ("(?:ab)+c", "ababc", true),
        ("(?P<word>ab)c", "abc", true), ("(?<w>ab)c", "abd", false), ("(?<w>ab)c", "abc", true),
        ("((a))", "a", true), ("(?:)", "", true), ("x(?:)y", "xy", true),
        // Alternation, with empty alternatives.
        ("cat|dog", "hotdog", true), ("cat|dog", "cow", false), ("a|", "xyz", true), ("|a", "", true),
        ("(a|)b", "b", true), ("^(a|)b$", "ab", true), ("^(a|)b$", "aab", false), ("^(|a|bc)$", "bc", true),
        ("^(|a|bc)$", "b", false), ("^(|a|bc)$", "", true), ("x(a|b|c)y", "xcy", true), ("x(a|b|c)y", "xdy", false),
        ("^(?:ab|a)(?:bc|c)$", "abc", true), ("|", "", true),
        // Quantifiers.
        ("ab*c", "ac", true), ("ab*c", "abbbc", true), ("ab+c", "ac", false), ("ab+c", "abbc", true),
        ("ab?c", "abbc", false), ("^ab?c$", "ac", true),
        ("^a{3}$", "aaa", true), ("^a{3}$", "aa", false), ("^a{3}$", "aaaa", false), ("^a{2,}$", "aaaaa", true),
        ("^a{2,}$", "a", false), ("^a{2,4}$", "aaaa", true), ("^a{2,4}$", "aaaaa", false), ("^a{2,4}$", "a", false),
        ("^a{,2}$", "aa", true), ("^a{,2}$", "aaa", false), ("^a{,}$", "aaaa", true), ("^a{0,0}b", "b", true),
        ("^(ab){2}$", "abab", true), ("^(ab){2}$", "ab", false), ("^(a|bc){2,3}$", "abca", true),
        ("^(a|bc){2,3}$", "a", false), ("^(a|bc){2,3}$", "aaaa", false), ("^x{1}y{0,1}z{1,1}$", "xz", true),
        ("^(?:a{1,2}){2}$", "aaaa", true), ("^(?:a{1,2}){2}$", "aaaaa", false), ("^(?:a{1,2}){2}$", "a", false),
        ("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", "192.168.0.1", true), ("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", "1.2.3", false),
        // Lazy forms match the same texts.
        ("^a*?$", "aaa", true), ("^a+?b", "aab", true), ("^a??b$", "ab", true), ("^a{2,3}?$", "aaa", true),
        ("^a{2,}?$", "a", false), ("^a{2}?$", "aa", true),
        // A `{` that is not a quantifier is a literal.
        ("a{", "a{", true), ("a{}", "a{}", true), ("a{x}", "a{x}", true), ("a{1,x}", "a{1,x}", true),
        ("{", "{", true), ("}", "}", true), ("x{2", "x{2", true), ("x{2", "xx", false), ("^{a}$", "{a}", true),
        ("a{ 2}", "a{ 2}", true), ("]", "]", true),
        // Loops around things that match the empty string.
        ("^(a*)*$", "aaa", true), ("^(a*)*$", "aab", false), ("^(a?)*b", "b", true), ("(|a)+$", "aaa", true),
        ("^(a*)+$", "", true), ("^(a*){3,5}$", "aa", true), ("^(\\b)*a", "a", true), ("^(?:a|\\b)*$", "aaa", true),
        // Case-insensitivity.
        ("(?i)hello", "HeLLo world", true), ("hello", "HELLO", false), ("(?i)[a-c]+$", "xABC", true),
        ("(?i)[^a]", "A", false), ("(?i)[^a]", "B", true), ("(?i)é", "É", true), ("(?i)ÉTÉ", "été", true),
        ("(?i)k", "\u{212A}", true), ("(?i)(?i)ab", "AB", true), ("(?i)[A-Z]", "q", true), ("(?i)\\W", "k", false),
        ("(?i)[🧟x]", "X", true), ("(?i)Σ", "σ", true), ("(?i)a", "b", false), ("(?i)^[^a-z]+$", "ÀÉ", true),
        ("(?i)[à-é]", "Ç", true), ("(?i)\\x41", "a", true), ("(?i)ß", "\u{1E9E}", true), ("(?i)ǅ", "ǆ", true),
        // Unicode scalars.
        ("é", "café", true), ("^caf.$", "café", true), ("^caf.$", "cafe\u{301}", false), ("🧟+", "🧟🧟", true),
        ("^.{2}$", "🧟é", true), ("^[^a]$", "🧟", true), ("^.$", "🧟", true), ("^🧟{2}$", "🧟🧟", true),
        ("中文", "这是中文", true), ("^\\W{3}$", "中🧟é", true),
        // A realistic rule.
        (#"(?:^|/)(?:uvicorn|gunicorn)\b.*--port[= ]\d+"#, "/venv/bin/uvicorn app:app --port 8001", true),
        (#"(?:^|/)(?:uvicorn|gunicorn)\b.*--port[= ]\d+"#, "python3 -m uvicornish --port 8001", false),
    ]

    func testFeatureTable() throws {
        for (pattern, text, expected) in table {
            let regex: LinearRegex
            do {
                regex = try LinearRegex(pattern)
            } catch {
                XCTFail("\(pattern): unexpected \(error.message) at \(error.offset)")
                continue
            }
            XCTAssertEqual(regex.matches(text), expected, "pattern \(pattern) text \(text.debugDescription)")
        }
    }

    func testCaseInsensitiveParameter() throws {
        let regex = try LinearRegex("node|Python[0-9.]*", caseInsensitive: true)
        XCTAssertTrue(regex.matches("/usr/bin/NODE server.js"))
        XCTAssertTrue(regex.matches("PYTHON3.12 -m http.server"))
        XCTAssertFalse(regex.matches("ruby"))
        XCTAssertFalse(try LinearRegex("node").matches("NODE"))
        XCTAssertTrue(try LinearRegex("(?i)node", caseInsensitive: false).matches("NODE"))
    }

    func testPatternDescriptionAndEquality() throws {
        let regex = try LinearRegex(#"^a+\d$"#)
        XCTAssertEqual(regex.pattern, #"^a+\d$"#)
        XCTAssertEqual(regex.description, #"^a+\d$"#)
        XCTAssertEqual("\(regex)", #"^a+\d$"#)
        XCTAssertEqual(regex, try LinearRegex(#"^a+\d$"#))
        XCTAssertNotEqual(regex, try LinearRegex(#"^a+\d$"#, caseInsensitive: true))
        XCTAssertNotEqual(regex, try LinearRegex(#"^a+\d"#))
    }

    func testSizeLimitsAreInclusive() throws {
        // ^, 1,997 scalars, $ and match: 2,000 instructions, the largest program allowed.
        // (Anchored so that one thread runs: unanchored, each text position starts another.)
        let largest = try LinearRegex("^a{1997}$")
        XCTAssertEqual(largest.program.instructions.count, 2_000)
        XCTAssertTrue(largest.matches(String(repeating: "a", count: 1_997)))
        XCTAssertFalse(largest.matches(String(repeating: "a", count: 1_996)))
        // 4,096 scalars is the longest pattern; a class keeps it to a few instructions.
        let longest = try LinearRegex("^[" + String(repeating: "é", count: 4093) + "]")
        XCTAssertTrue(longest.matches("é"))
        XCTAssertFalse(longest.matches("xé"))
        let deep = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        XCTAssertTrue(try LinearRegex(deep).matches("xa"))
    }

    /// The deepest nesting allowed compiles and matches on a thread with a small (512 KB) stack,
    /// like Dispatch's worker threads: parsing and compiling recurse once per group level.
    func testDeepNestingFitsSmallStacks() throws {
        let deep = String(repeating: "(?:a|", count: 100) + "b" + String(repeating: ")*", count: 100)
        let done = DispatchSemaphore(value: 0)
        let results = Results(count: 3)
        let thread = Thread {
            let regex = try? LinearRegex(deep)
            results.set(0, regex != nil)
            results.set(1, regex?.matches("xaab") ?? false)
            results.set(2, regex?.matches("") ?? false)
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        XCTAssertTrue(results.get(0))
        XCTAssertTrue(results.get(1))
        XCTAssertTrue(results.get(2))
    }

    /// One regex shared by many threads at once (it is `Sendable`: the program is immutable and
    /// each search has its own scratch space).
    func testConcurrentUse() throws {
        let regex = try LinearRegex(#"^(\w+\s?)*$"#)
        let texts = ["hello world", "hello world!", "a b c", "-"]
        let results = Results(count: 400)
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            results.set(i, regex.matches(texts[i % 4]))
        }
        for i in 0..<400 {
            XCTAssertEqual(results.get(i), i % 4 == 0 || i % 4 == 2, "iteration \(i)")
        }
    }

    // MARK: - Agreement with ICU

    func testAgreesWithNSRegularExpressionOnRandomPatterns() throws {
        // LINEAR_REGEX_SEED=n swift test … replays (or explores) another sequence.
        let seed = ProcessInfo.processInfo.environment["LINEAR_REGEX_SEED"].flatMap { UInt64($0) } ?? 0x5EED_2024_0001
        var random = SplitMix64(seed: seed)
        var compared = 0
        var matched = 0
        for round in 0..<3000 {
            let caseInsensitive = round % 5 == 4
            var pattern = randomPattern(&random, depth: 0, caseInsensitive: caseInsensitive)
            if caseInsensitive { pattern = "(?i)" + pattern }
            let ours = try LinearRegex(pattern)
            // ICU refuses the empty pattern; a non-capturing group around it changes nothing else.
            let theirs = try NSRegularExpression(
                pattern: caseInsensitive
                    ? "(?i)(?:" + pattern.dropFirst(4) + ")" : "(?:" + pattern + ")")
            for _ in 0..<8 {
                let text = randomText(&random, caseInsensitive: caseInsensitive)
                let start = DispatchTime.now().uptimeNanoseconds
                let expected = theirs.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                if DispatchTime.now().uptimeNanoseconds - start > 500_000_000 {
                    // ICU backtracked into its time limit and gave up, which also reads as "no
                    // match" (the very problem LinearRegex exists for): no answer to compare.
                    print("LinearRegex differential: ICU gave up on \(pattern) / \(text.debugDescription)")
                    continue
                }
                let actual = ours.matches(text)
                if expected { matched += 1 }
                if actual != expected {
                    XCTFail(
                        "seed \(seed) round \(round): pattern \(pattern) text \(text.debugDescription): "
                            + "ours \(actual), NSRegularExpression \(expected)")
                }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 23_900)
        // Both answers are common, so agreement is not just "both say yes".
        XCTAssertGreaterThan(matched, compared / 5)
        XCTAssertLessThan(matched, compared * 4 / 5)
        print("LinearRegex differential: \(compared) texts, \(matched) matches, seed \(seed)")
    }

    /// A small grammar: literals over "ab" (and "AB" for case-insensitive rounds), `.`, classes,
    /// groups, alternation (with empty branches), quantifiers with small bounds, anchors.
    private func randomPattern(_ random: inout SplitMix64, depth: Int, caseInsensitive: Bool) -> String {
        let branchCount = random.below(4) == 0 ? 2 + random.below(2) : 1
        var branches: [String] = []
        for _ in 0..<branchCount {
            var branch = ""
            for _ in 0..<random.below(depth == 0 ? 5 : 4) {
                let (atom, repeatable) = randomAtom(&random, depth: depth, caseInsensitive: caseInsensitive)
                branch += atom
                if repeatable && random.below(2) == 0 {
                    // ICU spins to its time limit and reports no match on a lazy loop over a group
                    // that can match empty (`()*?`, `(|a)+?`; Python agrees with us there), so
                    // groups get only greedy quantifiers.
                    branch += randomQuantifier(&random, lazy: !atom.hasPrefix("("))
                }
            }
            branches.append(branch)
        }
        return branches.joined(separator: "|")
    }

    private func randomAtom(_ random: inout SplitMix64, depth: Int, caseInsensitive: Bool) -> (String, Bool) {
        let literals = caseInsensitive ? ["a", "b", "A", "B"] : ["a", "b"]
        switch random.below(depth < 3 ? 14 : 11) {
        case 0, 1, 2: return (literals[random.below(literals.count)], true)
        case 3: return (".", true)
        case 4:
            let classes = ["[ab]", "[^a]", "[a-b]", "[^b-c]", "[bc]", "[A-B]", "[^A]", "[a-]", "[\\w]", "[\\s]", "[.]"]
            return (classes[random.below(classes.count)], true)
        case 5:
            let escapes = ["\\w", "\\W", "\\s", "\\S", "\\d", "\\D", "\\x61", "\\."]
            return (escapes[random.below(escapes.count)], true)
        case 6: return (["^", "$"][random.below(2)], false)
        case 7: return (["\\b", "\\B"][random.below(2)], false)
        case 8, 9, 10: return ("c", true)
        default:
            let body = randomPattern(&random, depth: depth + 1, caseInsensitive: caseInsensitive)
            return (random.below(2) == 0 ? "(\(body))" : "(?:\(body))", true)
        }
    }

    private func randomQuantifier(_ random: inout SplitMix64, lazy: Bool) -> String {
        let low = random.below(3)
        let high = low + random.below(3)
        let base = ["*", "+", "?", "{\(low)}", "{\(low),}", "{\(low),\(high)}"][random.below(6)]
        return lazy && random.below(3) == 0 ? base + "?" : base
    }

    private func randomText(_ random: inout SplitMix64, caseInsensitive: Bool) -> String {
        let alphabet: [Character] = caseInsensitive ? ["a", "b", "c", "A", "B", " "] : ["a", "b", "c", "a", "b", "c", " "]
        return String((0..<random.below(9)).map { _ in alphabet[random.below(alphabet.count)] })
    }

    // MARK: - Linear time

    /// Patterns that take exponential time in backtracking engines, on 100,000-scalar texts made
    /// to fail late: right answer, under 2 s (debug build), and doubling the text at most about
    /// doubles the time.
    func testCatastrophicPatternsRunInLinearTime() throws {
        let words = { (count: Int) in String(String(repeating: "hello world ", count: count / 12 + 1).prefix(count)) }
        let cases: [(pattern: String, text: (Int) -> String, expected: Bool)] = [
            ("(a+)+$", { String(repeating: "a", count: $0 - 1) + "b" }, false),
            ("(a+)+$", { String(repeating: "a", count: $0) }, true),
            ("(a|a)*b", { String(repeating: "a", count: $0) }, false),
            ("(a|a)*b", { String(repeating: "a", count: $0 - 1) + "b" }, true),
            ("(a*)*b", { String(repeating: "a", count: $0) }, false),
            ("(x+x+)+y", { String(repeating: "x", count: $0) }, false),
            (#"^(\w+\s?)*$"#, { words($0 - 1) + "!" }, false),
            (#"^(\w+\s?)*$"#, { words($0) }, true),
            ("(a|aa|aaa|a{1,5})*$", { String(repeating: "a", count: $0 - 1) + "!" }, true),
            ("^(a|aa|aaa|a{1,5})*$", { String(repeating: "a", count: $0 - 1) + "!" }, false),
        ]
        for item in cases {
            let regex = try LinearRegex(item.pattern)
            let half = item.text(50_000)
            let full = item.text(100_000)
            XCTAssertEqual(full.unicodeScalars.count, 100_000)
            var result = !item.expected
            var halfTime = fastest(of: 3) { _ = regex.matches(half) }
            var fullTime = fastest(of: 3) { result = regex.matches(full) }
            if fullTime >= 3 * halfTime + 0.005 {
                // A busy machine (or a sanitizer build) can stall one round; a real blow-up shows
                // again in a second, longer measurement.
                halfTime = fastest(of: 5) { _ = regex.matches(half) }
                fullTime = fastest(of: 5) { result = regex.matches(full) }
            }
            XCTAssertEqual(result, item.expected, item.pattern)
            XCTAssertLessThan(fullTime, 2.0, "\(item.pattern) took \(fullTime) s on 100,000 scalars")
            XCTAssertLessThan(
                fullTime, 3 * halfTime + 0.005,
                "\(item.pattern): \(halfTime) s for 50,000 scalars but \(fullTime) s for 100,000")
            print(
                String(
                    format: "LinearRegex timing: %@ on 100,000 scalars: %.1f ms (50,000: %.1f ms)",
                    item.pattern, fullTime * 1000, halfTime * 1000))
        }
    }

    /// A 50-instruction program over a 100 KB command line.
    func testTypicalRuleOnLongCommandLine() throws {
        let regex = try LinearRegex(#"(?i)(?:^|/)(?:uvicorn|gunicorn|node|python[0-9.]*)\s+.*--port[= ]\d{2,5}\b"#)
        XCTAssertGreaterThanOrEqual(regex.program.instructions.count, 40)
        let text = String(repeating: "--flag=value ", count: 100_000 / 13) + " python3 --port=8001"
        var result = false
        let time = fastest(of: 3) { result = regex.matches(text) }
        XCTAssertFalse(result, "python3 is not preceded by ^ or /")
        XCTAssertTrue(regex.matches("/usr/bin/Python3.12 -m app --port 8001"))
        XCTAssertLessThan(time, 1.0)
        print(
            String(
                format: "LinearRegex timing: %d-instruction rule on %d bytes: %.1f ms",
                regex.program.instructions.count, text.utf8.count, time * 1000))
    }

    private func fastest(of runs: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    // MARK: - Errors

    func testRejectedSyntaxSaysWhatAndWhere() {
        let linear = "(matching must stay linear-time)"
        let cases: [(String, String, Int)] = [
            (#"(a)\1"#, "backreferences are not supported \(linear)", 3),
            (#"a\9"#, "backreferences are not supported \(linear)", 1),
            (#"(?P<n>a)\k<n>"#, "backreferences are not supported \(linear)", 8),
            ("(?P<n>a)(?P=n)", "backreferences are not supported \(linear)", 8),
            ("a(?=b)", "lookahead assertions are not supported \(linear)", 1),
            ("a(?!b)", "lookahead assertions are not supported \(linear)", 1),
            ("x(?<=a)b", "lookbehind assertions are not supported \(linear)", 1),
            ("(?<!a)b", "lookbehind assertions are not supported \(linear)", 0),
            ("(?>a)", "atomic groups are not supported (use a plain group: matching is already linear-time)", 0),
            ("a*+", "possessive quantifiers are not supported (use a plain quantifier: matching is already linear-time)", 2),
            ("ab++", "possessive quantifiers are not supported (use a plain quantifier: matching is already linear-time)", 3),
            ("a?+", "possessive quantifiers are not supported (use a plain quantifier: matching is already linear-time)", 2),
            ("a{2}+", "possessive quantifiers are not supported (use a plain quantifier: matching is already linear-time)", 4),
            ("(?m)^a", "unsupported inline flags (?m); only a leading (?i) is supported", 0),
            ("(?s).", "unsupported inline flags (?s); only a leading (?i) is supported", 0),
            ("(?i:a)", "unsupported inline flags (?i:...); only a leading (?i) is supported", 0),
            ("a(?i)b", "the (?i) flag is only supported at the very start of the pattern", 1),
            ("(?(1)a|b)", "conditional groups are not supported \(linear)", 0),
            ("(?R)", "recursion is not supported \(linear)", 0),
            ("(?#note)a", "comment groups (?#...) are not supported", 0),
            ("(?", "unexpected end of pattern", 2),
            ("(?~a)", "unknown group extension (?~", 0),
            (#"\q"#, #"bad escape \q"#, 0),
            (#"ab\q"#, #"bad escape \q"#, 2),
            (#"[a\q]"#, #"bad escape \q"#, 2),
            (#"\p{L}"#, #"bad escape \p"#, 0),
            (#"[\B]"#, #"bad escape \B"#, 1),
            (#"a\"#, "bad escape (end of pattern)", 1),
            (#"\x4"#, #"incomplete escape \x"#, 0),
            (#"\u{}"#, #"incomplete escape \u{...}"#, 0),
            (#"\u{110000}"#, "escape is not a unicode scalar value (110000)", 0),
            (#"\uD800"#, "escape is not a unicode scalar value (d800)", 0),
            ("*a", "nothing to repeat", 0),
            ("a|*", "nothing to repeat", 2),
            ("(*)", "nothing to repeat", 1),
            ("{2}", "nothing to repeat", 0),
            ("^*", "nothing to repeat", 1),
            (#"\b+"#, "nothing to repeat", 2),
            ("(?i)*", "nothing to repeat", 4),
            ("a**", "multiple repeat", 2),
            ("a*??", "multiple repeat", 3),
            ("a{2}{3}", "multiple repeat", 4),
            ("(ab", "missing ), unterminated subpattern", 0),
            ("a(b(c)", "missing ), unterminated subpattern", 1),
            ("ab)", "unbalanced parenthesis", 2),
            ("(a))", "unbalanced parenthesis", 3),
            ("[a-", "unterminated character set", 0),
            ("x[abc", "unterminated character set", 1),
            ("[]", "unterminated character set", 0),
            ("[^", "unterminated character set", 0),
            ("a{3,2}", "min repeat greater than max repeat", 1),
            ("[z-a]", "bad character range z-a", 1),
            (#"[\d-z]"#, #"bad character range \d-z"#, 1),
            ("[[:alpha:]]", #"posix classes like [:alpha:] are not supported (use \d, \w, \s or ranges)"#, 1),
            ("(?P<1a>x)", "bad character in group name '1a'", 4),
            ("(?P<>x)", "missing group name", 4),
            ("(?<abc", "missing >, unterminated name", 3),
            (String(repeating: "a", count: 5000), "pattern too large (5000 scalars, over 4096; the limit keeps matching fast)", 4096),
            ("(a{1000}){1000}", "pattern too large (1000001 instructions, over 2000; the limit keeps matching fast)", 9),
            ("a{2000}", "pattern too large (2001 instructions, over 2000; the limit keeps matching fast)", 1),
            ("x{1500}y{1500}", "pattern too large (3001 instructions, over 2000; the limit keeps matching fast)", 8),
            ("((a{1000}){1000}){1000}", "pattern too large (1000000001 instructions, over 2000; the limit keeps matching fast)", 10),
            (
                "(((a{99999}){99999}){99999}){99999}",
                "pattern too large (over 1000000000000 instructions, over 2000; the limit keeps matching fast)", 4
            ),
            (
                String(repeating: "(", count: 101) + "a" + String(repeating: ")", count: 101),
                "too many nested groups (more than 100)", 100
            ),
        ]
        for (pattern, message, offset) in cases {
            do {
                let regex = try LinearRegex(pattern)
                XCTFail("\(pattern.prefix(40)) compiled (\(regex.program.instructions.count) instructions)")
            } catch {
                XCTAssertEqual(error, RegexSyntaxError(message, at: offset), "pattern \(pattern.prefix(40))")
                XCTAssertEqual(error.description, message)
            }
        }
    }

    func testOffsetsCountScalars() {
        // 🧟 is one scalar (two UTF-16 units, four UTF-8 bytes); é here is one precomposed scalar.
        XCTAssertThrowsError(try LinearRegex("🧟é)")) { error in
            XCTAssertEqual((error as? RegexSyntaxError)?.offset, 2)
        }
        XCTAssertThrowsError(try LinearRegex("e\u{301}\\q")) { error in
            XCTAssertEqual((error as? RegexSyntaxError)?.offset, 2)
        }
    }

    // MARK: - Robustness

    /// Random junk over regex metacharacters: compiling either fails with an in-range offset or
    /// yields a regex that answers on a few texts. (A crash fails the whole test run.)
    func testRandomJunkNeverCrashes() {
        let alphabet = Array(#"()[]{}*+?|^$\.-,0123456789abPk<>=!:i"#.unicodeScalars) + ["é", "🧟", "\u{212A}", "\n", "\u{0}"]
        let texts = ["", "a", "ab12", "aaaaaaaaaaaaaaaaaaab", "{[(<P>)]}", "é🧟\n\u{0}", "k\u{212A}K"]
        var random = SplitMix64(seed: 0xBAD_5EED)
        var compiled = 0
        var rejected = 0
        for _ in 0..<5000 {
            var pattern = String.UnicodeScalarView()
            for _ in 0..<random.below(24) {
                pattern.append(alphabet[random.below(alphabet.count)])
            }
            let text = String(pattern)
            do {
                let regex = try LinearRegex(text, caseInsensitive: random.below(3) == 0)
                for sample in texts { _ = regex.matches(sample) }
                compiled += 1
            } catch {
                XCTAssertTrue((0...pattern.count).contains(error.offset), "\(text.debugDescription): offset \(error.offset)")
                XCTAssertFalse(error.message.isEmpty)
                rejected += 1
            }
        }
        XCTAssertEqual(compiled + rejected, 5000)
        XCTAssertGreaterThan(compiled, 100, "the generator should produce some valid patterns")
        XCTAssertGreaterThan(rejected, 100)
    }
}

/// Results written by concurrent iterations, one slot each.
private final class Results: @unchecked Sendable {
    private var values: [Bool]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: false, count: count) }

    func set(_ index: Int, _ value: Bool) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Bool { lock.withLock { values[index] } }
}
