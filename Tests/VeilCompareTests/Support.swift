@testable import VeilCompare

func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

func text(_ s: [Unicode.Scalar], _ r: Range<Int>) -> String {
    var v = String.UnicodeScalarView()
    v.append(contentsOf: s[r])
    return String(v)
}

func messages(system: String, user: String = "Say hello.", extra: String = "") -> RecordedRequest {
    let sys = JSONValue.quote(system), u = JSONValue.quote(user)
    return RecordedRequest(method: "POST", path: "/v1/messages",
                           headers: [("content-type", "application/json")],
                           body: #"{"model":"claude-sonnet-4-5","max_tokens":64,"system":\#(sys),"messages":[{"role":"user","content":\#(u)}]\#(extra)}"#)
}

func recordLine(_ r: RecordedRequest) -> String {
    let headers = "[" + r.headers.map { "[\(JSONValue.quote($0.name)),\(JSONValue.quote($0.value))]" }.joined(separator: ",") + "]"
    return #"{"method":"\#(r.method)","path":"\#(r.path)","requestHeaders":\#(headers),"requestBody":\#(JSONValue.quote(r.body)),"status":200}"#
}
