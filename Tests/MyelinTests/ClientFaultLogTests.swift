import Logging
@testable import MyelinHTTP
import Testing

@Suite struct ClientFaultLogTests {
    @Test func refusedRequestLinesAreBoundedPerAddress() async throws {
        let log = ClientFaultLog(logger: Logger(label: "test"))
        for _ in 0..<Int(ClientFaultLog.requestLineBurst) {
            #expect(await log.admitRequestLine(address: "10.0.0.1").admitted)
        }
        for _ in 0..<5 { #expect(await !log.admitRequestLine(address: "10.0.0.1").admitted) }
        // Another address has its own allowance.
        #expect(await log.admitRequestLine(address: "10.0.0.2").admitted)
        // A second later one more line is written, saying how many were left out.
        try await Task.sleep(for: .milliseconds(1200))
        let next = await log.admitRequestLine(address: "10.0.0.1")
        #expect(next.admitted)
        #expect(next.leftOut == 5)
    }
}
