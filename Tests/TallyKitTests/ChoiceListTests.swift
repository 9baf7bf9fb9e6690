import Testing
import TallyKit

@Suite("ChoiceList")
struct ChoiceListTests {
    let priority = ChoiceList([(1, "Critical"), (2, "High"), (3, "Moderate"), (4, "Low"), (5, "Planning")])
    let changeState = ChoiceList([(-5, "New"), (-4, "Assess"), (0, "Review"), (3, "Closed")])
    let type = ChoiceList(text: [("normal", "Normal"), ("standard", "Standard"), ("emergency", "Emergency")])

    @Test("by code, by label (any case, trimmed), by 'N - Label'", arguments: [
        ("2", "2"), ("High", "2"), ("high", "2"), ("  HIGH ", "2"), ("2 - High", "2"), ("1 - Critical", "1"),
        ("5 - anything", "5"), (" 3 - Moderate ", "3"),
        ("4 \u{2013} low", "4"), ("1 \u{2014} CRITICAL", "1"), ("4 \u{2013} Low", "4"),  // any dash, any case
    ])
    func lookups(text: String, code: String) {
        #expect(priority.choice(matching: text)?.code == code)
    }

    @Test("negative and zero codes, and their 'N - Label' forms")
    func negativeCodes() {
        #expect(changeState.choice(matching: "-5")?.label == "New")
        #expect(changeState.choice(matching: "-4 - Assess")?.code == "-4")
        #expect(changeState.choice(matching: "0")?.label == "Review")
        #expect(changeState.choice(matching: "review")?.code == "0")
    }

    @Test("text codes match by code or label")
    func textCodes() {
        #expect(type.kind == .text)
        #expect(type.choice(matching: "emergency")?.code == "emergency")
        #expect(type.choice(matching: "Emergency")?.code == "emergency")
        #expect(type.choice(matching: "EMERGENCY")?.code == "emergency")
    }

    @Test("values that are none of the choices", arguments: ["6", "Sleeping", "9 - High", "", "High - 2", "02"])
    func misses(text: String) {
        #expect(priority.choice(matching: text) == nil)
    }

    @Test("exact code lookup and the label summary")
    func codeLookupAndSummary() {
        #expect(priority.choice(code: "3")?.label == "Moderate")
        #expect(priority.choice(code: "Moderate") == nil)
        #expect(priority.labelSummary == "Critical, High, Moderate, Low, Planning")
    }
}
