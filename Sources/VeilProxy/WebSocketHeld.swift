import NIOCore

/// What the agent has sent on a WebSocket and veil still holds, counted against
/// `max_buffered_bytes` as a request body is: NIO's frame decoder keeps a frame until its last
/// byte (up to the body cap) and a message waits for its last frame, so without this a few
/// hundred sockets with one unfinished frame each would hold the host's memory. It counts
/// from the socket, in front of the decoder; the agent's side lets go when a message has gone
/// on (`release`). What it lets go of with it of the next frame, read in the same read as the
/// message's end, is at most one read.
final class WebSocketHeld: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Fired to the agent's side once the bound has no room: it closes the socket (1013).
    struct Exhausted {}

    private let budget: BufferBudget
    private var held = 0
    private var exhausted = false

    init(budget: BufferBudget) { self.budget = budget }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !exhausted else { return }
        let bytes = unwrapInboundIn(data).readableBytes
        guard budget.reserve(bytes) else {
            // This socket's bytes go no further: their room is free at once, not when the
            // close completes, so another socket that fits beside them does not fail too.
            exhausted = true
            release()
            context.fireUserInboundEventTriggered(Exhausted())
            return
        }
        held += bytes
        context.fireChannelRead(data)
    }

    /// Counts `bytes` more held (a frame's cost beyond its wire bytes); false, and this
    /// socket's bytes let go, when the bound has no room.
    func charge(_ bytes: Int) -> Bool {
        guard !exhausted, budget.reserve(bytes) else {
            exhausted = true
            release()
            return false
        }
        held += bytes
        return true
    }

    func release() {
        budget.release(held)
        held = 0
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }
}
