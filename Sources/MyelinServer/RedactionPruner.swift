import Logging
import MyelinRooms
import ServiceLifecycle

/// Runs the redacted-content pruning job hourly while the server runs.
struct RedactionPruner: Service {
    let rooms: RoomService
    let logger: Logger
    let interval: Duration

    func run() async throws {
        // Shutdown cancels the sleep; that is the normal end, not a failure of the service group.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let pruned = try await rooms.pruneRedactedContent()
                    if pruned > 0 { logger.info("erased the content of \(pruned) redacted events") }
                } catch {
                    logger.error("pruning redacted content failed: \(error)")
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
