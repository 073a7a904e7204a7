import Foundation
import NIOCore
import Synchronization
import VeilProfile
import VeilScan

/// `--record FILE`: one JSON line per exchange, written with a single write(2) as soon as the
/// exchange ends, so a crash loses nothing already sent (no fsync: the kernel has it). The line
/// is a `RecordLine`, the type compare and probe read records with. A run writes at most
/// `limit` bytes (the agent chooses how much it sends, 64 MiB a request): the line that would
/// pass it is replaced by one that says the record is full, and nothing is written after.
final class ExchangeRecorder: Sendable {
    private let fd: Int32
    private let encoder: JSONEncoder
    private let redaction: Redaction
    private let limit: Int
    private let onFull: (@Sendable (String) -> Void)?
    private struct State {
        /// Not Sendable, so not a NIOLockedValueBox; Date.ISO8601FormatStyle truncates the
        /// milliseconds it rounds.
        let formatter: ISO8601DateFormatter
        var written = 0
        var full = false
    }
    /// Its lock also keeps lines whole and in order.
    private let state: Mutex<State>

    init(path: String, redaction: Redaction, agentTrees: [String] = [], limit: Int = 1 << 30,
         onFull: (@Sendable (String) -> Void)? = nil) throws {
        do {
            fd = try ConfinedPath.openForWriting(path, append: true, confinedTo: agentTrees, cwd: HostFiles.currentDirectory())
        } catch let e as ConfinedPath.Refused {
            throw InspectorError.record(path: path, reason: e.reason)
        }
        encoder = RecordLine.makeEncoder()
        self.redaction = redaction
        self.limit = limit
        self.onFull = onFull
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        state = Mutex(State(formatter: formatter))
    }

    deinit { close(fd) }

    func write(_ ex: Exchange) {
        guard !state.withLock({ $0.full }) else { return }
        let elapsed = Double((NIODeadline.now() - ex.started).nanoseconds) / 1e6
        let response = ex.responseCapture.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        let full: Bool = state.withLock { state in
            guard !state.full else { return false }
            let time = state.formatter.string(from: Date())
            let line = RecordLine(
                time: time, method: ex.head.method.rawValue,
                path: redaction.uri(ex.head.uri), api: ex.api.rawValue, upstream: redaction.uri(ex.upstream), via: ex.via,
                requestHeaders: redaction.headers(ex.head.headers),
                requestBody: redaction.text(String(decoding: ex.inspected.readableBytesView, as: UTF8.self)),
                findings: ex.findings, decision: ex.decision, blockReason: ex.blockReason, status: ex.status,
                responseBody: redaction.text(response), responseTruncated: ex.responseTruncated,
                error: ex.error, durationMs: elapsed)
            guard var data = try? encoder.encode(line) else { return false }
            data.append(0x0A)
            if state.written + data.count > limit {
                state.full = true
                data = RecordLine.fullLine(time: time, limit: limit)
            }
            state.written += data.count
            writeAll(data)
            return state.full
        }
        if full { onFull?("veil: " + RecordLine.fullReason(limit: limit)) }
    }

    private func writeAll(_ data: Data) {
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
