import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP side of a WebSocket: which requests ask for one, the answer the stub gives, and
/// the request veil sends upstream. Pure.
enum WebSocketUpgrade {
    /// `GET` with `Upgrade: websocket` and a key (RFC 6455 §4.1).
    static func isRequested(_ head: HTTPRequestHead) -> Bool {
        head.method == .GET && head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
            && head.headers.contains(name: "sec-websocket-key")
    }

    /// Sec-WebSocket-Accept for the agent's key.
    static func accept(key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }

    /// The 101 the inspector gives when it answers the socket itself (the stub): no extension,
    /// so the agent's frames come uncompressed.
    static func localAnswer(key: String) -> String {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept(key: key))\r\n\r\n"
    }

    /// The extensions an answer's head agreed, by name (lowercased, parameters left off).
    /// veil reads permessage-deflate only: under any other the upstream would read the frames
    /// otherwise than the scan did, so the socket is refused (WebSocketRelay).
    static func agreedExtensions(_ head: String) -> [String] {
        head.split(separator: "\r\n").flatMap { line -> [String] in
            let l = line.lowercased()
            guard l.hasPrefix("sec-websocket-extensions:") else { return [] }
            return l.dropFirst("sec-websocket-extensions:".count).split(separator: ",").map {
                String($0.prefix(while: { $0 != ";" })).trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
    }

    /// The upgrade request as the upstream gets it: the agent's headers (its key, version,
    /// protocols and extensions included, so the upstream's answer is valid for the agent as
    /// it stands), minus the hop-by-hop ones, with the upstream's Host.
    static func upstreamRequest(path: String, host: String, port: Int, tls: Bool, headers: HTTPHeaders) -> String {
        let h = host.contains(":") ? "[\(host)]" : host
        var out = "GET \(path) HTTP/1.1\r\nHost: \(port == (tls ? 443 : 80) ? h : "\(h):\(port)")\r\n"
        out += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        for (name, value) in headers where !UpstreamRequest.isHopByHop(name) {
            guard !name.contains(where: { $0 == "\r" || $0 == "\n" }), !value.contains(where: { $0 == "\r" || $0 == "\n" })
            else { continue }
            out += "\(name): \(value)\r\n"
        }
        return out + "\r\n"
    }

    /// The status code of a response head (`HTTP/1.1 101 …`), 0 when it is not one.
    static func status(_ head: String) -> Int {
        let parts = head.prefix(while: { $0 != "\r" }).split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return 0 }
        return Int(parts[1]) ?? 0
    }
}
