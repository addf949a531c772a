/// Made-up conversation scripts for the sandboxes' transcripts, summaries and action
/// items: a few kinds of sales call, each a short exchange between a rep and a customer.
enum SandboxScripts {
    enum Speaker { case rep, customer }

    struct Script {
        var kind: String
        var topic: String
        var lines: [(Speaker, String)]
        var summary: String
        var actionItems: [String]
    }

    /// The script for a kind of call, with the customer's company and people filled in.
    static func script(_ kind: String, company: String, rep: String, customer: String) -> Script {
        let first = customer.split(separator: " ").first.map(String.init) ?? customer
        let repFirst = rep.split(separator: " ").first.map(String.init) ?? rep
        switch kind {
        case "Discovery call":
            return Script(
                kind: kind, topic: "Discovery",
                lines: [
                    (.rep, "Thanks for making the time, \(first). I'd love to hear how your team handles this today."),
                    (.customer, "Sure. Right now everything lives in spreadsheets and it breaks every quarter-end."),
                    (.rep, "What happens when it breaks? Who feels it first?"),
                    (.customer, "Finance, mostly. They spend about a week reconciling numbers by hand."),
                    (.rep, "If we took that week down to a day, what would that be worth to \(company)?"),
                    (.customer, "Honestly, a lot. Our CFO has been asking for exactly that."),
                    (.rep, "Who else would be involved in evaluating something like this?"),
                    (.customer, "Me, our operations lead, and the CFO signs off on anything over fifty thousand."),
                    (.rep, "Great. Could we set up a demo next week with your operations lead?"),
                    (.customer, "Yes, Tuesday or Wednesday afternoon works."),
                ],
                summary: "\(repFirst) ran discovery with \(customer) of \(company). Quarter-end reconciliation in spreadsheets costs their finance team about a week; the CFO wants it reduced and approves spend above $50k. Buying group: \(first), the operations lead and the CFO.",
                actionItems: ["Send a recap email with the discovery notes", "Book a demo with the operations lead for Tuesday or Wednesday", "Prepare an ROI estimate for the CFO"])
        case "Pricing discussion":
            return Script(
                kind: kind, topic: "Pricing",
                lines: [
                    (.rep, "I've put together pricing based on the forty seats we discussed."),
                    (.customer, "Thanks. The number is higher than we budgeted, to be honest."),
                    (.rep, "Understood. What budget did you have in mind for this year?"),
                    (.customer, "Closer to sixty thousand, and we'd want to phase the rollout."),
                    (.rep, "We could start with twenty-five seats this quarter and add the rest in the new year."),
                    (.customer, "That could work. Can you include onboarding in the first phase?"),
                    (.rep, "Yes, onboarding is included for the first phase. I'll send a revised quote."),
                    (.customer, "Please copy our CFO on it."),
                ],
                summary: "Pricing review with \(company): the forty-seat quote is above their roughly $60k budget. \(repFirst) proposed a phased rollout (25 seats now, the rest next year) with onboarding included; \(first) asked for a revised quote copied to the CFO.",
                actionItems: ["Send a revised quote for a phased rollout", "Copy the CFO on the quote", "Confirm onboarding is included in phase one"])
        case "Product demo":
            return Script(
                kind: kind, topic: "Demo",
                lines: [
                    (.rep, "Let me share my screen and walk through the dashboard your team would use."),
                    (.customer, "Can it pull data from our CRM automatically?"),
                    (.rep, "Yes, the CRM sync runs every fifteen minutes. Here is what that looks like."),
                    (.customer, "Nice. And can managers see their own team only?"),
                    (.rep, "Exactly, permissions follow your team structure."),
                    (.customer, "Our security team will want to review this before anything else."),
                    (.rep, "I'll send our security package today so they can start."),
                ],
                summary: "Demo for \(company): \(first) liked the CRM sync and team-based permissions. Their security team must review before the evaluation can move forward.",
                actionItems: ["Send the security package", "Share the demo recording with the operations lead"])
        case "Renewal check-in":
            return Script(
                kind: kind, topic: "Renewal",
                lines: [
                    (.rep, "Your renewal is coming up in two months, so I wanted to check in."),
                    (.customer, "Adoption has been good. The support team uses it every day now."),
                    (.rep, "Great to hear. Are there teams that could benefit but aren't on it yet?"),
                    (.customer, "Customer success has asked about it. Maybe fifteen more people."),
                    (.rep, "I can include them in the renewal quote as an option."),
                    (.customer, "Please do, and keep the current terms if you can."),
                ],
                summary: "Renewal check-in with \(company): strong adoption in support; customer success (about 15 people) could be added. \(first) asked to keep current terms.",
                actionItems: ["Prepare a renewal quote with an optional 15-seat expansion", "Share an adoption report before the renewal meeting"])
        default:
            return Script(
                kind: kind, topic: "Introduction",
                lines: [
                    (.rep, "Hi \(first), this is \(repFirst) calling. Did I catch you at a bad time?"),
                    (.customer, "I have a couple of minutes. What is this about?"),
                    (.rep, "We help teams like yours cut quarter-end reporting from a week to a day."),
                    (.customer, "That is a real problem for us. Send me something to read."),
                    (.rep, "Will do. Would a short call next week make sense after you've read it?"),
                    (.customer, "Sure, Thursday morning."),
                ],
                summary: "Cold call to \(customer) at \(company): interested in faster quarter-end reporting; agreed to read material and talk again Thursday morning.",
                actionItems: ["Email an overview", "Book a follow-up call for Thursday morning"])
        }
    }

    static let kinds = ["Discovery call", "Product demo", "Pricing discussion", "Renewal check-in", "Cold call"]
}
