import Logging
import MyelinTLS
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP. Connections already open keep their configuration;
/// a reload that fails (a half-written file, a key that does not match) keeps the old one and says why.
struct CertificateReloader: Service {
    let store: TLSConfigurationStore
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try store.reload()
                logger.notice("reloaded the TLS certificate and key")
            } catch {
                logger.error("TLS reload failed; still serving the previous certificate", metadata: ["error": "\(error)"])
            }
        }
    }
}
