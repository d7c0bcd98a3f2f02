import CResolv
import NIOCore
import NIOPosix

/// SRV lookups through the system resolver (libresolv's `res_nquery`, which reads /etc/resolv.conf).
/// A query blocks its thread, so it runs on a small thread pool of its own, never on the cooperative
/// pool. The caller waits at most `timeout`; libresolv's retransmissions are set to give up before
/// that, and a query still running past it is abandoned (it ends with libresolv's own limits).
public struct ResolvSRVLookup: SRVLookup {
    public let timeout: TimeAmount

    public init(timeout: TimeAmount = .seconds(10)) {
        self.timeout = timeout
    }

    /// Two threads: results are cached above this, and one slow name server must not tie up more.
    private static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public func lookup(_ name: String) async throws -> [SRVRecord] {
        guard Self.isQueryable(name) else {
            throw SRVLookupError.failed(name: name, reason: "not a DNS name")
        }
        // Two tries per name server (the second waits twice as long): about 3 × retransmit in all.
        let retransmitSeconds = Int32(max(1, timeout.nanoseconds / 4_000_000_000))
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: [SRVRecord].self)
        Self.threadPool.runIfActive(eventLoop: eventLoop) {
            try Self.query(name, retransmitSeconds: retransmitSeconds)
        }.cascade(to: promise)
        // Whichever completes the promise first wins; NIO ignores the later one.
        let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(SRVLookupError.timedOut(name: name)) }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as SRVLookupError {
            throw error
        } catch {
            throw SRVLookupError.failed(name: name, reason: "\(error)")
        }
    }

    /// Letters, digits, '-', '_' (service labels) and '.', as a DNS query may carry.
    static func isQueryable(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }
    }

    /// One blocking query with a resolver state of its own (the global `_res` is not thread-safe).
    private static func query(_ name: String, retransmitSeconds: Int32) throws -> [SRVRecord] {
        let state = UnsafeMutablePointer<__res_state>.allocate(capacity: 1)
        state.initialize(to: __res_state())
        defer {
            state.deinitialize(count: 1)
            state.deallocate()
        }
        guard myelin_res_ninit(state) == 0 else {
            throw SRVLookupError.resolverUnavailable("res_ninit failed")
        }
        defer { myelin_res_nclose(state) }
        state.pointee.retrans = retransmitSeconds
        state.pointee.retry = 2

        // The largest DNS message; answers over UDP's limit come back over TCP, which libresolv handles.
        var answer = [UInt8](repeating: 0, count: 65_535)
        let length = answer.withUnsafeMutableBufferPointer { buffer in
            res_nquery(state, name, Int32(ns_c_in.rawValue), Int32(ns_t_srv.rawValue), buffer.baseAddress,
                       Int32(buffer.count))
        }
        guard length >= 0 else {
            switch state.pointee.res_h_errno {
            case HOST_NOT_FOUND, NO_DATA:
                return [] // NXDOMAIN, or the name exists without SRV records
            case TRY_AGAIN:
                throw SRVLookupError.failed(name: name, reason: "no answer from the name servers, or a server failure")
            case NO_RECOVERY:
                throw SRVLookupError.failed(name: name, reason: "the name server refused or could not answer the query")
            case let code:
                throw SRVLookupError.failed(name: name, reason: "resolver error \(code)")
            }
        }
        return try parse(answer, length: min(Int(length), answer.count), name: name)
    }

    /// The SRV records in the answer section; other records there (a CNAME chain) are skipped.
    static func parse(_ answer: [UInt8], length: Int, name: String) throws -> [SRVRecord] {
        try answer.withUnsafeBufferPointer { buffer in
            var message = ns_msg()
            guard ns_initparse(buffer.baseAddress, Int32(length), &message) == 0 else {
                throw SRVLookupError.malformedAnswer(name: name, reason: "unparsable message")
            }
            var records: [SRVRecord] = []
            for index in 0..<myelin_ns_msg_count(&message, ns_s_an) {
                var record = ns_rr()
                guard ns_parserr(&message, ns_s_an, index, &record) == 0 else {
                    throw SRVLookupError.malformedAnswer(name: name, reason: "unparsable record \(index)")
                }
                guard myelin_ns_rr_type(&record) == Int32(ns_t_srv.rawValue),
                      myelin_ns_rr_class(&record) == Int32(ns_c_in.rawValue) else { continue }
                // Priority, weight and port (16 bits each), then the target name (at least the root's 1 byte).
                guard myelin_ns_rr_rdlen(&record) >= 7, let data = myelin_ns_rr_rdata(&record) else {
                    throw SRVLookupError.malformedAnswer(name: name, reason: "short SRV record")
                }
                let field = { (offset: Int) in Int(data[offset]) << 8 | Int(data[offset + 1]) }
                var target = [CChar](repeating: 0, count: Int(NS_MAXDNAME))
                let expanded = dn_expand(myelin_ns_msg_base(&message), myelin_ns_msg_end(&message), data + 6,
                                         &target, Int32(target.count))
                guard expanded >= 0 else {
                    throw SRVLookupError.malformedAnswer(name: name, reason: "bad target name")
                }
                let text = String(decoding: target.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                records.append(SRVRecord(priority: field(0), weight: field(2), port: field(4),
                                         target: text.isEmpty ? "." : text,
                                         ttlSeconds: Int(myelin_ns_rr_ttl(&record))))
            }
            return records
        }
    }
}
