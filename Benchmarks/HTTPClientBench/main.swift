// Requests per second of MyelinHTTPClient over one pooled keep-alive connection.
// Usage: myelin-httpclient-bench URL [REQUESTS] [CA_FILE]
// e.g. against the test fixture (Tests/MyelinHTTPClientTests/Fixtures/http_fixture.py --cert … --key …):
//   .build/release/myelin-httpclient-bench https://localhost:PORT/ok 5000 /path/to/ca.pem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MyelinHTTPClient
import NIOCore

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: myelin-httpclient-bench URL [REQUESTS] [CA_FILE]")
    exit(2)
}
let url = arguments[1]
let requests = arguments.count > 2 ? Int(arguments[2]) ?? 5000 : 5000
var configuration = HTTPClientConfiguration()
configuration.maxConnectionsPerDestination = 1
// A benchmark against a local server: loopback is allowed on purpose.
configuration.allowedPrivateNetworks = ["127.0.0.0/8", "::1/128"]
if arguments.count > 3 { configuration.tls = .init(caDirectory: nil, extraCAFile: arguments[3]) }
var logger = Logger(label: "bench")
logger.logLevel = .warning
let client = try HTTPClient(configuration: configuration, logger: logger)

_ = try await client.execute(.init(url: url)) // connect and handshake outside the timing
let started = NIODeadline.now()
var bytes = 0
for _ in 0..<requests { bytes += try await client.execute(.init(url: url)).body.readableBytes }
let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
print("\(requests) sequential requests in \(seconds) s: \(Int(Double(requests) / seconds)) requests/s (\(bytes) body bytes)")
await client.shutdown()
