import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Messages being judged at once, across every connection of a listener: past the bound the
/// listener's `on_error` answers at once, so a flood cannot queue without limit.
final class MilterLoad: Sendable {
    let limit: Int
    private let current = NIOLockedValueBox(0)
    init(limit: Int) { self.limit = limit }

    func acquire() -> Bool {
        current.withLockedValue { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func release() { current.withLockedValue { $0 -= 1 } }
}

/// One milter connection on the event loop: frames in, commands through the session, responses
/// out; at the end of a message the filter runs off the loop, bounded by a deadline after which
/// `on_error` answers (accept without headers, or tempfail): mail is never held or lost on our side.
final class MilterHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let filter: MilterFilter
    let load: MilterLoad
    let timeout: TimeAmount
    let logger: Logger
    let metrics: MilterMetrics
    private var session: MilterSession
    /// The message whose verdict is awaited; a later answer for an older one is dropped.
    private var pending: UInt64?
    private var messageNumber: UInt64 = 0

    init(
        filter: MilterFilter, options: MilterSession.Options, load: MilterLoad, timeout: TimeAmount, logger: Logger,
        metrics: MilterMetrics
    ) {
        self.filter = filter
        self.load = load
        self.timeout = timeout
        self.logger = logger
        self.metrics = metrics
        session = MilterSession(options: options)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = unwrapInboundIn(data)
        do {
            let command = try MilterCommand(packet: packet)
            // The MTA moved on (an abort after its own timeout): the old verdict is not wanted.
            pending = nil
            switch try session.handle(command) {
            case .none: break
            case .reply(let responses): write(responses, context: context)
            case .close: context.close(promise: nil)
            case .endOfMessage: endOfMessage(context: context)
            }
        } catch {
            logger.warning("closing the milter connection", metadata: ["error": "\(error)"])
            metrics.errors(kind: "protocol")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending = nil
        session.resetConnection()
        context.fireChannelInactive()
    }

    private func write(_ responses: [MilterResponse], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64 * responses.count)
        for response in responses { response.write(to: &buffer) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func endOfMessage(context: ChannelHandlerContext) {
        let envelope: MilterEnvelope
        do { envelope = try session.takeEnvelope() } catch {
            logger.error("cannot read the message body back", metadata: ["error": "\(error)"])
            metrics.errors(kind: "internal")
            write([fallback], context: context)
            return
        }
        var messageLogger = logger
        messageLogger[metadataKey: "queue_id"] = "\(envelope.queueID)"
        let log = messageLogger
        guard load.acquire() else {
            log.warning("overloaded: answering \(filter.listener.onError.rawValue) without judging")
            metrics.errors(kind: "overload")
            write([fallback], context: context)
            return
        }
        messageNumber += 1
        let number = messageNumber
        pending = number
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            guard handler.pending == number else { return }
            handler.pending = nil
            log.warning(
                "the filter took longer than the deadline: answering \(handler.filter.listener.onError.rawValue)")
            handler.metrics.errors(kind: "timeout")
            handler.write([handler.fallback], context: context)
        }
        let started = ContinuousClock.now
        let promise = context.eventLoop.makePromise(of: MilterFilter.Outcome.self)
        let filter = self.filter
        let load = self.load
        promise.completeWithTask {
            defer { load.release() }
            return await filter.process(envelope, now: Int64(Date().timeIntervalSince1970))
        }
        promise.futureResult.whenSuccess { outcome in
            deadline.cancel()
            let (handler, context) = bound.value
            let elapsed = ContinuousClock.now - started
            handler.metrics.record(outcome, listener: filter.listener, elapsed: elapsed)
            var fields: Logger.Metadata = [
                "dmarc": "\(outcome.dmarc)", "action": "\(outcome.action)", "sealed": "\(outcome.sealed)",
                "signed": "\(outcome.signed)",
            ]
            if let note = outcome.note { fields["note"] = "\(note)" }
            log.info("message judged", metadata: fields)
            guard handler.pending == number else { return }
            handler.pending = nil
            handler.write(outcome.responses, context: context)
        }
    }

    /// The listener's answer when it cannot judge: accept without changes, or a temporary failure.
    var fallback: MilterResponse { filter.listener.onError == .accept ? .continue : .tempfail }
}
