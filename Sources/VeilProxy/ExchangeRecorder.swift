import Foundation
import NIOCore
import Synchronization
import VeilProfile
import VeilScan

/// `--record FILE`: one JSON line per exchange, written with a single write(2) as soon as the
/// exchange ends, so a crash loses nothing already sent (no fsync: the kernel has it). The line
/// is a `RecordLine`, the type compare and probe read records with.
final class ExchangeRecorder: Sendable {
    private let fd: Int32
    private let encoder: JSONEncoder
    private let redaction: Redaction
    /// Its lock also keeps lines whole and in order. (A formatter is not Sendable, so not a
    /// NIOLockedValueBox; Date.ISO8601FormatStyle truncates the milliseconds it rounds.)
    private let formatter: Mutex<ISO8601DateFormatter>

    init(path: String, redaction: Redaction, agentTrees: [String] = []) throws {
        do {
            fd = try ConfinedPath.openForWriting(path, append: true, confinedTo: agentTrees, cwd: HostFiles.currentDirectory())
        } catch let e as ConfinedPath.Refused {
            throw InspectorError.record(path: path, reason: e.reason)
        }
        encoder = RecordLine.makeEncoder()
        self.redaction = redaction
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        self.formatter = Mutex(formatter)
    }

    deinit { close(fd) }

    func write(_ ex: Exchange) {
        let elapsed = Double((NIODeadline.now() - ex.started).nanoseconds) / 1e6
        let response = ex.responseCapture.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        formatter.withLock { formatter in
            let line = RecordLine(
                time: formatter.string(from: Date()), method: ex.head.method.rawValue,
                path: redaction.uri(ex.head.uri), api: ex.api.rawValue, upstream: redaction.uri(ex.upstream), via: ex.via,
                requestHeaders: redaction.headers(ex.head.headers),
                requestBody: redaction.text(String(decoding: ex.inspected.readableBytesView, as: UTF8.self)),
                findings: ex.findings, decision: ex.decision, blockReason: ex.blockReason, status: ex.status,
                responseBody: redaction.text(response), responseTruncated: ex.responseTruncated,
                error: ex.error, durationMs: elapsed)
            guard var data = try? encoder.encode(line) else { return }
            data.append(0x0A)
            data.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 { if errno == EINTR { continue } else { return } }
                    off += n
                }
            }
        }
    }
}

public enum InspectorError: Error, CustomStringConvertible {
    case record(path: String, reason: String)
    case listen(String)
    /// An agent connection beyond `max_connections`, closed.
    case connections(String)

    public var description: String {
        switch self {
        case .record(let path, let reason): return "veil: cannot open the record file \(path): \(reason)"
        case .listen(let reason): return "veil: the inspector cannot listen: \(reason)"
        case .connections(let why): return why
        }
    }
}
