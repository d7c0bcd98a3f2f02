#if canImport(CMalloc)
import CMalloc
#endif
import ServiceLifecycle

/// Gives freed heap memory back to the system. glibc keeps what a burst of requests freed (thousands of
/// request bodies, a large sync) in its arenas, so the process's RSS stays at its peak long after; on
/// a board with a fixed memory cap that is memory nothing else can use. Every `interval` this asks
/// glibc to return free pages (`malloc_trim`), which costs a few milliseconds of one thread.
struct MemoryTrimmer: Service {
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                Self.trim()
            }
        }
    }

    static func trim() {
        #if canImport(CMalloc)
        _ = malloc_trim(0)
        #endif
    }

    /// Fewer malloc arenas than glibc's default (eight per core): each arena keeps its own free memory,
    /// and on two to four cores the extra arenas mostly add fragmentation. Call before threads start.
    static func limitArenas(_ count: Int32 = 2) {
        #if canImport(CMalloc)
        _ = mallopt(M_ARENA_MAX, count)
        #endif
    }
}
