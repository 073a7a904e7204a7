// A deterministic, realistic request body for the benchmark: what a coding agent sends
// after an hour of work. Mostly English prose and source code inside JSON strings (so
// full of `\n` and `\"` escapes), with a handful of planted canaries and covert characters.

enum BenchCorpus {
    static let words = """
        the a of to and in is that for it with as on be this are by from or can file function \
        return value type error when if then we should will code test change update run build \
        request response model agent tool result input output path directory module package \
        import export class struct let var use make sure check read write parse handle config \
        server client stream buffer bytes string index count first last next before after \
        because which where while until each every other some many more less new old small large
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static let code = #"""
        import Foundation\n\n/// Reads the ledger and applies pending transfers.\nfunc applyPending(_ ledger: inout Ledger, transfers: [Transfer]) throws {\n    for t in transfers where t.state == .pending {\n        guard let from = ledger.accounts[t.from], from.balance >= t.amount else {\n            throw LedgerError.insufficientFunds(account: t.from, needed: t.amount)\n        }\n        ledger.accounts[t.from]!.balance -= t.amount\n        ledger.accounts[t.to, default: Account(id: t.to)].balance += t.amount\n        log.info(\"applied transfer \\(t.id) of \\(t.amount)\")\n    }\n}\n\n
        """#

    struct LCG { var s: UInt64; mutating func next() -> Int { s = s &* 6364136223846793005 &+ 1442695040888963407; return Int(s >> 33) } }

    static func prose(_ rng: inout LCG, words count: Int) -> String {
        var out = ""
        for k in 0 ..< count {
            out += words[rng.next() % words.count]
            out += k % 13 == 12 ? ". " : " "
        }
        return out
    }

    static func request(bytes target: Int) -> [UInt8] {
        var rng = LCG(s: 42)
        var s = #"{"model":"claude-sonnet-4-5","max_tokens":8192,"stream":true,"system":[{"type":"text","text":"You are an interactive CLI tool that helps users with software engineering tasks. "#
        s += prose(&rng, words: 900) + #"","cache_control":{"type":"ephemeral"}}],"tools":["#
        for t in 0 ..< 18 {
            if t > 0 { s += "," }
            s += #"{"name":"tool_\#(t)","description":"\#(prose(&rng, words: 120))","input_schema":{"type":"object","properties":{"path":{"type":"string","description":"Absolute path"},"limit":{"type":"integer"}},"required":["path"]}}"#
        }
        s += #"],"messages":["#
        var turn = 0
        let plants = planted()
        while s.utf8.count < target - 2048 {
            if turn > 0 { s += "," }
            let extra = turn % 40 == 7 ? plants[(turn / 40) % plants.count] : ""
            if turn % 2 == 0 {
                s += #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_\#(turn)","content":"\#(code)\#(code)\#(code)"},{"type":"text","text":"\#(prose(&rng, words: 60))\#(extra)"}]}"#
            } else {
                s += #"{"role":"assistant","content":[{"type":"text","text":"\#(prose(&rng, words: 80))\#(extra)"},{"type":"tool_use","id":"toolu_\#(turn)","name":"tool_3","input":{"path":"src/ledger/apply.swift","limit":200}}]}"#
            }
            turn += 1
        }
        s += "]}"
        return Array(s.utf8)
    }

    /// What a leaking or signalling agent would slip into its prompt.
    static func planted() -> [String] {
        [
            #"cwd is \/home\/alice\/src\/payments"#,
            "the time zone is Asia/Shanghai (+08:00)",
            "we don\u{2019}t need it",
            "it is the model\u{02BC}s job",
            "hidden\u{200B}text",
            "ok\u{E0068}\u{E0069}\u{E0064}\u{E0065}",
            "pay\u{0430}l account",
            "due 2026/07/01 per plan",
            "价格 100\u{00A0}元 👍🏽 ✔\u{FE0F}",
        ]
    }
}
