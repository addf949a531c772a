import Testing

@testable import Conduit

@Suite struct SecretRedactorTests {
    @Test func removesEverySpellingOfASecret() {
        let redactor = SecretRedactor()
        let secret = "s3cr3t/With+Plus\"Quote"
        redactor.register(secret)
        let echoes = [
            "header was \(secret) here",
            "{\"error\":\"bad token s3cr3t\\/With+Plus\\\"Quote\"}",
            "form: token=s3cr3t%2FWith%2BPlus%22Quote&x=1",
            "lower-case: s3cr3t%2fWith%2bPlus%22Quote",
            "System.Text.Json: s3cr3t\\u002FWith\\u002bPlus\\u0022Quote",
            "mixed: s3cr3t/With%2B\\u0050lus\\\"Quote",
        ]
        for echo in echoes {
            let cleaned = redactor.redact(echo)
            #expect(cleaned.contains(SecretRedactor.marker), "\(echo)")
            #expect(!cleaned.contains("s3cr3t"), "\(cleaned)")
        }
    }

    @Test func findsSecretsInURLs() {
        let redactor = SecretRedactor()
        redactor.register("tok+en/=value")
        #expect(redactor.contains("https://other.example/cb?t=tok%2Ben%2F%3Dvalue"))
        #expect(!redactor.contains("https://other.example/cb?t=tok%2Ben"))
    }

    @Test func leavesOtherTextAloneAndIgnoresTinyValues() {
        let redactor = SecretRedactor()
        redactor.register("abc")
        redactor.register("")
        #expect(redactor.isEmpty)
        redactor.register("canary-123456")
        let text = "{\"a\":\"canary-12345 is not it\"}"
        #expect(redactor.redact(text) == text)
        #expect(redactor.redactIfNeeded(Array(text.utf8)) == nil)
    }

    @Test func everyOccurrenceAndOverlappingSecretsGo() {
        let redactor = SecretRedactor()
        redactor.register("token-abcdef")
        redactor.register("Bearer token-abcdef")
        let cleaned = redactor.redact("Bearer token-abcdef, token-abcdef, xtoken-abcdefx")
        #expect(cleaned == "[redacted], [redacted], x[redacted]x")
    }

    /// The scan reads eight bytes at a time: a secret is found wherever it starts, in any spelling.
    @Test func secretsAreFoundAtEveryOffsetOfAWord() {
        let redactor = SecretRedactor()
        redactor.register("Zq9-secret")
        for spelling in ["Zq9-secret", "Zq9%2Dsecret", "\\u005aq9-secret"] {
            for offset in 0..<24 {
                let text = String(repeating: "x", count: offset) + spelling + String(repeating: "y", count: offset % 5)
                #expect(redactor.redact(text) == String(repeating: "x", count: offset) + "[redacted]" + String(repeating: "y", count: offset % 5),
                        "\(spelling) at \(offset)")
            }
        }
    }
}
