import CSodium
import Foundation
import MatrixCore
import MyelinAccounts

// Myelin micro-benchmarks whose figures go into closing notes. Usage:
//   myelin-bench argon2 [ops] [memory_kib] [count]   mean/best time per argon2id hash, peak RSS growth
//   myelin-bench core [seconds]                       canonical JSON, sign, verify of a typical event
//   myelin-bench stateres [members] [room_version]    state resolution over a conflicted fork
//   myelin-bench rooms [members] [messages] [version] database bytes per event and state entry

func argon2(ops: Int, memoryKiB: Int, count: Int) async throws {
    let hasher = PasswordHasher(parameters: .init(opsLimit: ops, memoryKiB: memoryKiB))
    let before = peakRSSKiB()
    _ = try await hasher.hash("warm-up password")
    var times: [Double] = []
    for i in 0..<count {
        let start = ContinuousClock.now
        _ = try await hasher.hash("benchmark password \(i)")
        let elapsed = ContinuousClock.now - start
        times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    let stored = try await hasher.hash("verify me")
    let verifyStart = ContinuousClock.now
    _ = try await hasher.verify("verify me", against: stored)
    let verify = ContinuousClock.now - verifyStart
    let mean = times.reduce(0, +) / Double(times.count)
    print("argon2id t=\(ops) m=\(memoryKiB) KiB p=1: \(count) hashes, mean \(String(format: "%.1f", mean)) ms, "
        + "best \(String(format: "%.1f", times.min() ?? 0)) ms, verify \(verify), "
        + "peak RSS growth \(peakRSSKiB() - before) KiB")
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "argon2":
    let ops = args.count > 1 ? Int(args[1]) ?? 2 : 2
    let memory = args.count > 2 ? Int(args[2]) ?? 19_456 : 19_456
    let count = args.count > 3 ? Int(args[3]) ?? 20 : 20
    try await argon2(ops: ops, memoryKiB: memory, count: count)
case "core":
    try CoreBenchmarks.run(seconds: args.count > 1 ? Double(args[1]) ?? 1 : 1)
case "stateres":
    let members = args.count > 1 ? Int(args[1]) ?? 10_000 : 10_000
    let version = args.count > 2 ? RoomVersion.named(args[2]) ?? .v11 : .v11
    try await StateResolutionBenchmark.run(members: members, roomVersion: version)
case "rooms":
    let members = args.count > 1 ? Int(args[1]) ?? 5_000 : 5_000
    let messages = args.count > 2 ? Int(args[2]) ?? 20_000 : 20_000
    let version = args.count > 3 ? RoomVersion.named(args[3]) ?? .default : .default
    try await RoomStorageBenchmark.run(members: members, messages: messages, version: version)
default:
    print("usage: myelin-bench argon2 [ops] [memory_kib] [count] | core [seconds] | stateres [members] [room_version]"
        + " | rooms [members] [messages] [room_version]")
    exit(64)
}
