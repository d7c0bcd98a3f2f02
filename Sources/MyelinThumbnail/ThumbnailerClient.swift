import Foundation
import Glibc

/// Talks to one `myelin-thumbnailer` worker process (DESIGN.md: libvips stays out of the server).
///
/// Requests are served one at a time in arrival order; callers simply await their turn. The worker is
/// started on first use. If it dies, breaks the protocol or misses the per-request deadline, it is
/// killed, the request in flight fails with `.workerDied` / `.timedOut`, and the next request starts a
/// fresh worker. Blocking pipe I/O runs on dedicated threads, never on the cooperative pool.
public actor ThumbnailerClient {
    private let workerPath: String
    private let timeout: Duration
    private let maxOutputBytes: Int

    private var worker: WorkerProcess?
    private var nextRequestID = 1
    // FIFO gate: actor methods interleave at every await, so serialisation has to be explicit.
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// - Parameters:
    ///   - workerPath: the `myelin-thumbnailer` executable (the server passes the one beside its own binary).
    ///   - timeout: longest wait for one response before the worker is killed.
    ///   - maxOutputBytes: cap on one encoded thumbnail; a larger one fails the request.
    public init(workerPath: String, timeout: Duration = .seconds(30), maxOutputBytes: Int = 16 * 1024 * 1024) {
        self.workerPath = workerPath
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        // Writing to a dead worker's stdin raises SIGPIPE, whose default action would end the whole
        // server; ignored, the write fails with EPIPE and becomes a `.workerDied` for one request.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        if let worker {
            Thread.detachNewThread { _ = worker.terminateAndReap() }
        }
    }

    /// - Parameter timeout: overrides the client's timeout for this request (e.g. a tighter one
    ///   for a thumbnail made on demand while a client waits).
    public func thumbnail(_ request: ThumbnailRequest, timeout: Duration? = nil) async throws(ThumbnailError) -> Thumbnail {
        let (response, payload) = try await exchange(timeout: timeout, WorkerRequest(
            id: 0, op: "thumbnail", path: request.path, width: request.width, height: request.height,
            method: request.method.rawValue, animated: request.animated, maxInputPixels: request.maxInputPixels))
        guard let contentType = response.contentType, let width = response.width, let height = response.height else {
            throw .workerDied("malformed response")
        }
        return Thumbnail(contentType: contentType, width: width, height: height, frames: response.frames ?? 1,
                         bytes: payload)
    }

    /// Format, size and frame count of a stored image, from its header only.
    public func info(path: String) async throws(ThumbnailError) -> ImageInfo {
        let (response, _) = try await exchange(WorkerRequest(id: 0, op: "info", path: path))
        guard let format = response.format, let width = response.width, let height = response.height else {
            throw .workerDied("malformed response")
        }
        return ImageInfo(format: format, width: width, height: height, frames: response.frames ?? 1)
    }

    /// Stops the worker now; a later request starts a new one.
    public func shutdown() async {
        await acquire()
        defer { release() }
        _ = await discardWorker()
    }

    /// The running worker's process id, if any (diagnostics and tests).
    var workerProcessID: pid_t? { worker?.pid }

    func usage() async throws(ThumbnailError) -> WorkerUsage {
        let (response, _) = try await exchange(WorkerRequest(id: 0, op: "stats"))
        return WorkerUsage(objects: response.objects ?? -1, trackedBytes: response.trackedBytes ?? -1,
                           trackedAllocs: response.trackedAllocs ?? -1, openFiles: response.openFiles ?? -1)
    }

    // MARK: - One round trip

    private func exchange(timeout requestTimeout: Duration? = nil, _ template: WorkerRequest)
        async throws(ThumbnailError) -> (WorkerResponse, [UInt8]) {
        await acquire()
        defer { release() }
        let worker = try startedWorker()
        var request = template
        request.id = nextRequestID
        nextRequestID += 1
        let requestBytes: [UInt8]
        do {
            requestBytes = try request.encoded()
        } catch {
            throw .rejected("cannot encode request")
        }

        let exchange = WorkerExchange(worker: worker, deadline: .now + (requestTimeout ?? timeout), maxPayloadBytes: maxOutputBytes)
        let result: Result<(header: [UInt8], payload: [UInt8]), WorkerExchange.Failure> = await BlockingThread.run {
            do throws(WorkerExchange.Failure) {
                return .success(try exchange.roundTrip(request: requestBytes) { header throws(WorkerExchange.Failure) in
                    guard let response = try? WorkerResponse.decode(header) else { throw .protocolError("bad header") }
                    return response.length ?? 0
                })
            } catch {
                return .failure(error)
            }
        }

        switch result {
        case .success(let (header, payload)):
            guard let response = try? WorkerResponse.decode(header), response.id == request.id else {
                let ended = await discardWorker()
                throw .workerDied("response out of sync (\(ended))")
            }
            guard response.ok else { throw ThumbnailError(workerReason: response.error ?? "unknown error") }
            return (response, payload)
        case .failure(let failure):
            // Whatever went wrong, the stream can no longer be trusted: the worker goes.
            let ended = await discardWorker()
            switch failure {
            case .timedOut: throw .timedOut
            case .payloadTooLarge(let size): throw .outputTooLarge(size)
            case .closed(let what): throw .workerDied("\(what); worker \(ended)")
            case .protocolError(let what): throw .workerDied("protocol error: \(what); worker \(ended)")
            }
        }
    }

    private func startedWorker() throws(ThumbnailError) -> WorkerProcess {
        if let worker { return worker }
        do throws(WorkerProcess.SpawnError) {
            let started = try WorkerProcess.spawn(executable: workerPath)
            worker = started
            return started
        } catch {
            throw .workerUnavailable(error.reason)
        }
    }

    /// Kills and reaps the current worker (off the pool: waitpid blocks). Returns how it ended.
    private func discardWorker() async -> String {
        guard let old = worker else { return "not running" }
        worker = nil
        return await BlockingThread.run { old.terminateAndReap() }
    }

    // MARK: - FIFO gate

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            // Ownership passes straight to the next waiter; busy stays true.
            waiters.removeFirst().resume()
        }
    }
}
