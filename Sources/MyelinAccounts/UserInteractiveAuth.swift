import MatrixCore

/// User-interactive authentication (client-server API, "User-Interactive Authentication API"): sessions
/// that remember which stages a client completed for one operation. Sessions live in memory, bounded in
/// number and age: losing them on restart only makes a client start the flow again.
///
/// A session is bound to the operation it was started for (`UIAOperation`): presenting it with any other
/// request is refused with 403 and leaves it as it was, so the client can still finish the operation it
/// started, or start a fresh session for the new one.
public actor UserInteractiveAuth {
    /// A finished flow. What the session reserved passes to the caller.
    public struct Completion: Sendable {
        public let sessionId: String
        public let reservedRegistrationToken: String?
    }

    /// The outcome of checking one stage: the caller verifies credentials, this actor tracks progress.
    public enum StageCheck: Sendable {
        case passed
        case failed(MatrixError)
    }

    /// Where a registration session stands.
    public enum RegistrationProgress: Sendable {
        /// Stages still to do (or an account still to create), with what earlier calls asked for.
        case collecting(RegistrationDraft?)
        /// Another request is creating the account now.
        case completing
        /// The account exists; a repeat gets the same answer.
        case registered(SessionGrant)
    }

    /// The answer to a session presented with a request other than the one it was started for. Synapse
    /// answers 403 with `M_UNKNOWN` (its default code); the spec names no code, and `M_FORBIDDEN` is its
    /// code for a request refused as not allowed.
    public static let operationChanged = MatrixError.forbidden(
        "This user-interactive auth session was started for a different request; start a new session")

    /// A registration session whose account another request is creating (or has created: `/register`
    /// answers that before asking here, so this is only a request that raced it).
    static let completionUnderWay = MatrixError(
        "M_UNKNOWN", "This session is being completed by another request; retry shortly", status: 400)

    private struct Session {
        let operation: UIAOperation
        let createdMs: Int64
        /// Creation order: many sessions share a millisecond, and the oldest must still be found.
        let sequence: UInt64
        var completed: [String] = []
        /// A registration token reserved by this session, released if it expires unused.
        var reservedRegistrationToken: String?
        var registration: RegistrationDraft?
        var phase: Phase = .collecting
    }

    private enum Phase {
        case collecting
        case completing
        case registered(SessionGrant)
    }

    private var sessions: [String: Session] = [:]
    private var nextSequence: UInt64 = 0
    private let clock: WallClock
    private let lifetimeMs: Int64
    private let maxSessions: Int
    private let onExpire: @Sendable (_ reservedToken: String) async -> Void

    public init(clock: WallClock, lifetimeMs: Int64, maxSessions: Int,
                onExpire: @escaping @Sendable (_ reservedToken: String) async -> Void = { _ in }) {
        self.clock = clock
        self.lifetimeMs = lifetimeMs
        self.maxSessions = max(1, maxSessions)
        self.onExpire = onExpire
    }

    /// The session an `auth` dictionary names, if any.
    public static func sessionId(in auth: JSONValue?) throws(MatrixError) -> String? {
        guard case .object(let object)? = auth, let given = object["session"] else { return nil }
        guard case .string(let id) = given else { throw MatrixError.badJSON("auth.session must be a string") }
        return id
    }

    /// Runs one step of the flow. `flows` are the acceptable stage lists; `check` verifies the credentials
    /// of the stage the client submitted. Returns when a flow is complete; otherwise throws the 401 that
    /// tells the client what is left. A completed session is consumed, except a registration's, which waits
    /// for `recordRegistration` or `reopen`. `draft` (registration only) is kept with the session.
    public func authenticate(
        auth: JSONValue?, operation: UIAOperation, flows: [[String]], params: JSONObject = [:],
        remembering draft: RegistrationDraft? = nil,
        check: @Sendable (_ stage: String, _ auth: JSONObject, _ session: String) async -> StageCheck
    ) async throws(MatrixError) -> Completion {
        await expireOld()
        guard let auth, case .object(let authObject) = auth else {
            let id = await newSession(operation: operation, draft: draft)
            throw challenge(session: id, flows: flows, params: params, completed: [], error: nil)
        }
        let sessionId: String
        if let id = try Self.sessionId(in: auth) {
            guard let session = sessions[id] else {
                throw MatrixError("M_UNKNOWN", "Unknown or expired user-interactive auth session", status: 400)
            }
            guard session.operation == operation else { throw Self.operationChanged }
            guard case .collecting = session.phase else { throw Self.completionUnderWay }
            if let draft { sessions[id]?.registration = draft }
            sessionId = id
        } else {
            sessionId = await newSession(operation: operation, draft: draft)
        }
        let completedBefore = sessions[sessionId]?.completed ?? []
        // A stage already completed is not run again (the spec: completed stages cannot be retried); with
        // no stage at all the client asks where the flow stands, or finishes one whose stages are done.
        if case .string(let stage)? = authObject["type"], !completedBefore.contains(stage) {
            try await run(stage: stage, auth: authObject, session: sessionId, flows: flows, params: params,
                          completedBefore: completedBefore, check: check)
        }
        guard var session = sessions[sessionId] else {
            throw MatrixError("M_UNKNOWN", "Unknown or expired user-interactive auth session", status: 400)
        }
        // Checked again after the stage's suspension: only one request may complete a session.
        guard case .collecting = session.phase else { throw Self.completionUnderWay }
        guard flows.contains(where: { $0.allSatisfy(session.completed.contains) }) else {
            throw challenge(session: sessionId, flows: flows, params: params, completed: session.completed,
                            error: nil)
        }
        if operation.kind == .register {
            session.phase = .completing
            sessions[sessionId] = session
        } else {
            sessions[sessionId] = nil
        }
        return Completion(sessionId: sessionId, reservedRegistrationToken: session.reservedRegistrationToken)
    }

    /// Checks one submitted stage and records it; throws the 401 that asks again when it fails.
    private func run(
        stage: String, auth: JSONObject, session sessionId: String, flows: [[String]], params: JSONObject,
        completedBefore: [String],
        check: @Sendable (_ stage: String, _ auth: JSONObject, _ session: String) async -> StageCheck
    ) async throws(MatrixError) {
        let allowed = flows.contains { flow in
            flow.contains(stage) && Array(flow.prefix(while: { $0 != stage })).allSatisfy(completedBefore.contains)
        }
        guard allowed else {
            throw challenge(session: sessionId, flows: flows, params: params, completed: completedBefore,
                            error: MatrixError("M_UNRECOGNIZED", "Stage \(stage) is not expected now", status: 401))
        }
        switch await check(stage, auth, sessionId) {
        case .failed(let error):
            guard error.status == 401 || error.errcode == "M_FORBIDDEN" || error.errcode == "M_UNAUTHORIZED" else {
                throw error
            }
            throw challenge(session: sessionId, flows: flows, params: params,
                            completed: sessions[sessionId]?.completed ?? completedBefore, error: error)
        case .passed:
            guard sessions[sessionId] != nil else {
                throw MatrixError("M_UNKNOWN", "Unknown or expired user-interactive auth session", status: 400)
            }
            if sessions[sessionId]?.completed.contains(stage) == false { sessions[sessionId]?.completed.append(stage) }
        }
    }

    /// Remembers a registration token this session reserved (so expiry gives the use back).
    public func attachRegistrationToken(_ token: String, to sessionId: String) {
        sessions[sessionId]?.reservedRegistrationToken = token
    }

    /// Where the registration session `sessionId` stands; nil for an unknown session or another operation's.
    public func registrationProgress(_ sessionId: String) async -> RegistrationProgress? {
        await expireOld()
        guard let session = sessions[sessionId], session.operation.kind == .register else { return nil }
        switch session.phase {
        case .collecting: return .collecting(session.registration)
        case .completing: return .completing
        case .registered(let grant): return .registered(grant)
        }
    }

    /// The account exists: the session answers repeats with `grant` until it expires, and its registration
    /// token (now spent) is no longer given back at expiry.
    public func recordRegistration(_ grant: SessionGrant, in sessionId: String) {
        sessions[sessionId]?.phase = .registered(grant)
        sessions[sessionId]?.reservedRegistrationToken = nil
        sessions[sessionId]?.registration = nil
    }

    /// The account could not be made: the session takes requests again, its stages still done.
    public func reopen(_ sessionId: String) {
        guard let session = sessions[sessionId], case .completing = session.phase else { return }
        sessions[sessionId]?.phase = .collecting
    }

    public var sessionCount: Int { sessions.count }

    private func newSession(operation: UIAOperation, draft: RegistrationDraft?) async -> String {
        // The table changes before any suspension, so requests running meanwhile see it bounded.
        var evicted: Session?
        if sessions.count >= maxSessions,
            let oldest = sessions.min(by: { $0.value.sequence < $1.value.sequence })
        {
            evicted = sessions.removeValue(forKey: oldest.key)
        }
        let id = SecretToken.opaqueId()
        nextSequence += 1
        var session = Session(operation: operation, createdMs: clock.nowMs(), sequence: nextSequence)
        session.registration = draft
        sessions[id] = session
        if let token = evicted?.reservedRegistrationToken { await onExpire(token) }
        return id
    }

    private func expireOld() async {
        let cutoff = clock.nowMs() - lifetimeMs
        let expired = sessions.filter { $0.value.createdMs < cutoff }
        // Removed all at once before giving tokens back, so a request running meanwhile cannot give one
        // back twice.
        for id in expired.keys { sessions[id] = nil }
        for session in expired.values {
            if let token = session.reservedRegistrationToken { await onExpire(token) }
        }
    }

    private func challenge(session: String, flows: [[String]], params: JSONObject, completed: [String],
                           error: MatrixError?) -> MatrixError {
        var extra: JSONObject = [
            "session": .string(session),
            "flows": .array(flows.map { .object(["stages": .array($0.map(JSONValue.string))]) }),
            "params": .object(params),
        ]
        if !completed.isEmpty { extra["completed"] = .array(completed.map(JSONValue.string)) }
        if let error {
            return MatrixError(error.errcode, error.message, status: 401, extra: extra)
        }
        return MatrixError.authChallenge(extra: extra)
    }
}
