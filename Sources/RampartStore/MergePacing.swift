/// How much of a merge in slices the group commit's maintenance runs between two commits
/// (``SQLiteEventStore/mergeIfFull(committed:)``): what the commits so far are owed, a slice at a time, and all of it
/// once ingest has stopped.
///
/// Each commit adds `pace × behind × committed` events to the merge's credit, where `behind` is the number of
/// staging limits the log holds (at least one), so the merge moves a little faster than events arrive and faster
/// still the further it falls behind: its work is spread over the commits instead of taken in one burst, during
/// which the writer would be busy with it nearly all the time and requests would queue behind its slices
/// (docs/performance.md, "Sustained load"). A slice runs while a slice's worth is owed, or once no commit has come
/// for ``idleAfter`` and none waits. What earlier commits left owing counts for at most two slices: commits go on
/// while a merge sorts its plan in the background, and their whole credit taken at once would hold the next commit
/// for as many slices (the log then grows a little, and `behind` makes up for it). A merge that ran ahead while
/// ingest was idle is owed nothing until the commits catch up, by at most one staging limit.
struct MergePacing: Sendable, Equatable {
    /// Events per slice (``SQLiteEventStore/Configuration/mergeSliceEvents``).
    let slice: Int
    /// Events owed per event committed (``SQLiteEventStore/Configuration/mergePace``).
    let pace: Double
    /// Staged events that start a merge (``SQLiteEventStore/Configuration/stagedEventLimit``).
    let limit: Int
    /// Events owed to the commits, less the slices taken; negative when the merge is ahead.
    private(set) var credit = 0
    /// When the last commit that stored events came (or the pacing was created, before any).
    private(set) var lastCommit: ContinuousClock.Instant

    /// Creates the pacing of a merge.
    ///
    /// - Parameters:
    ///   - slice: Events per slice, at least 1.
    ///   - pace: Events owed per event committed.
    ///   - limit: Staged events that start a merge.
    ///   - now: The time idleness counts from until the first commit.
    init(slice: Int, pace: Double, limit: Int, now: ContinuousClock.Instant = .now) {
        self.slice = max(1, slice)
        self.pace = pace.isFinite ? max(0, pace) : 1
        self.limit = max(1, limit)
        self.lastCommit = now
    }

    /// Records a commit (or, with `committed` 0, a call of the maintenance after a nudge, which stores nothing).
    ///
    /// - Parameters:
    ///   - committed: The events it stored.
    ///   - staged: The events staged after it.
    ///   - now: When it committed.
    mutating func commit(_ committed: Int, staged: Int, at now: ContinuousClock.Instant) {
        if committed > 0 { lastCommit = now }
        let behind = max(1, staged / limit)
        let owed = Int((pace * Double(behind) * Double(max(0, committed))).rounded(.up))
        credit = max(-limit, min(credit, 2 * slice)) + owed
    }

    /// How long after the last commit ingest counts as stopped, so that the merge goes on without being owed.
    static let idleAfter = Duration.milliseconds(50)

    /// Whether ingest counts as stopped: no commit has stored events for ``idleAfter``.
    ///
    /// - Parameter now: The time to judge at.
    func isIdle(at now: ContinuousClock.Instant) -> Bool {
        isIdle(for: Self.idleAfter, at: now)
    }

    /// Whether no commit has stored events for `quiet` (or since the pacing was created, before any).
    ///
    /// - Parameters:
    ///   - quiet: How long without a commit.
    ///   - now: The time to judge at.
    func isIdle(for quiet: Duration, at now: ContinuousClock.Instant) -> Bool {
        now - lastCommit >= quiet
    }

    /// Records a commit that stored events while no merge is under way: it counts for idleness, and owes nothing.
    ///
    /// - Parameter now: When it committed.
    mutating func stored(at now: ContinuousClock.Instant) {
        lastCommit = now
    }

    /// Whether the next slice runs now: a slice's worth is owed, or ingest has stopped and no commit waits.
    ///
    /// - Parameters:
    ///   - commitsWaiting: Whether a group commit waits for the writer.
    ///   - now: The time to judge idleness at (``isIdle(at:)``).
    func takesSlice(commitsWaiting: Bool, at now: ContinuousClock.Instant) -> Bool {
        credit >= slice || (!commitsWaiting && isIdle(at: now))
    }

    /// Records a slice taken (one of the merge's moves, or of the removal of its rows from the log).
    mutating func tookSlice() {
        credit = max(-limit, credit - slice)
    }

    /// Forgets the credit: the merge is over.
    mutating func finish() {
        credit = 0
    }
}
