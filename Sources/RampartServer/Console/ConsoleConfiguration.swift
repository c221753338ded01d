import Foundation

/// How the console signs people in.
public struct ConsoleConfiguration: Sendable {
    /// How long a session lasts after sign-in (`rampart serve --session-ttl`, 12 hours by default).
    public var sessionTTL: TimeInterval
    /// The service sits behind TLS (`--behind-tls`): session cookies are marked `Secure`.
    public var behindTLS: Bool
    /// Failed sign-ins allowed per address in ``signInWindow``; the next gets 429 with Retry-After.
    public var signInFailureLimit: Int
    public var signInWindow: TimeInterval
    /// How often the overview polls for fresh data, in seconds (0: never).
    public var overviewRefreshSeconds: Int
    /// The age, in seconds, beyond which the overview's background refresher analyses an experiment again although
    /// neither its data nor its definition changed (stage durations move with the clock); 5 minutes by default. A
    /// page shows an older analysis, with its time, rather than recompute it in the request.
    public var overviewMaxAge: TimeInterval
    /// The least time, in seconds, between two analyses of an experiment by the overview's refresher when only its
    /// events moved on (its definition unchanged); 60 s by default, so under continuous ingest a row's analysis is
    /// at most about a minute (plus the refresher's pass) behind its data. New and redefined experiments are analysed
    /// at once.
    public var overviewMinInterval: TimeInterval
    /// The most of its time the overview's refresher spends analysing (it pauses after each analysis for the rest):
    /// ½ by default, so that page requests find a core on a small machine.
    public var overviewRefresherShare: Double

    /// How often the overview's background refresher looks for changed experiments: every half of
    /// ``overviewMaxAge``, at most every 15 s, at least every second.
    public var overviewRefreshInterval: Duration {
        .milliseconds(Int64(max(1, min(15, overviewMaxAge / 2)) * 1000))
    }

    public init(sessionTTL: TimeInterval = 12 * 3600, behindTLS: Bool = false, signInFailureLimit: Int = 5,
                signInWindow: TimeInterval = 60, overviewRefreshSeconds: Int = 15, overviewMaxAge: TimeInterval = 300,
                overviewMinInterval: TimeInterval = 60, overviewRefresherShare: Double = 0.5) {
        self.sessionTTL = sessionTTL
        self.behindTLS = behindTLS
        self.signInFailureLimit = signInFailureLimit
        self.signInWindow = signInWindow
        self.overviewRefreshSeconds = overviewRefreshSeconds
        self.overviewMaxAge = overviewMaxAge
        self.overviewMinInterval = overviewMinInterval
        self.overviewRefresherShare = overviewRefresherShare
    }
}
