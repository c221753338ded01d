@testable import RampartStore
import Testing

/// How much of a merge runs between group commits (``MergePacing``): what the commits are owed, a slice at a time,
/// more only once ingest has stopped; a commit waits for a bounded number of slices whatever came before it.
@Suite("Merge pacing")
struct MergePacingTests {
    /// The instant the pacing is created at; the tests' clock.
    static let start = ContinuousClock.now

    /// Slices of 1,000 events, 1.25 events owed per event committed, merges from 10,000 staged events.
    static func pacing() -> MergePacing { MergePacing(slice: 1_000, pace: 1.25, limit: 10_000, now: start) }

    /// The instant `milliseconds` after ``start``.
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    /// The slices a commit waits for: those taken while commits wait.
    static func slicesBeforeTheNextCommit(_ pacing: inout MergePacing) -> Int {
        var slices = 0
        while pacing.takesSlice(commitsWaiting: true, at: at(0)) {
            pacing.tookSlice()
            slices += 1
        }
        return slices
    }

    /// The quiet that starts a merge below the limit (``SQLiteEventStore/Configuration/mergeWhenIdleAfter``) counts
    /// from the last commit that stored events, merge or not, and such a commit outside a merge owes nothing.
    @Test func quietCountsFromTheLastCommitThatStoredEvents() {
        var pacing = Self.pacing()
        #expect(!pacing.isIdle(for: .seconds(2), at: Self.at(1_999)))
        #expect(pacing.isIdle(for: .seconds(2), at: Self.at(2_000)))
        pacing.stored(at: Self.at(3_000))
        #expect(!pacing.isIdle(for: .seconds(2), at: Self.at(4_999)))
        #expect(pacing.isIdle(for: .seconds(2), at: Self.at(5_000)))
        #expect(pacing.credit == 0)
        pacing.commit(0, staged: 500, at: Self.at(6_000))
        #expect(pacing.isIdle(for: .seconds(2), at: Self.at(5_000)), "a nudge stores nothing")
    }

    @Test func smallCommitsAreOwedASliceOnceTheyAddUpToOne() {
        var pacing = Self.pacing()
        var slices: [Int] = []
        for _ in 0..<8 {
            pacing.commit(200, staged: 12_000, at: Self.at(0))
            slices.append(Self.slicesBeforeTheNextCommit(&pacing))
        }
        // 250 events owed per commit: a slice after every fourth.
        #expect(slices == [0, 0, 0, 1, 0, 0, 0, 1])
        #expect(pacing.credit == 0)
    }

    /// Between commits that keep coming, the merge takes only what it is owed; once they stop, it goes on.
    @Test func onceIngestStopsTheMergeGoesOnAndIsThenOwedLess() {
        var pacing = Self.pacing()
        pacing.commit(600, staged: 12_000, at: Self.at(1_000))
        #expect(!pacing.takesSlice(commitsWaiting: true, at: Self.at(1_000)))
        #expect(!pacing.takesSlice(commitsWaiting: false, at: Self.at(1_049)), "between two commits of a steady load")
        #expect(!pacing.takesSlice(commitsWaiting: true, at: Self.at(1_050)), "a commit waits: it comes first")
        #expect(pacing.takesSlice(commitsWaiting: false, at: Self.at(1_050)))
        // The maintenance after a nudge stores nothing: idleness still counts from the last commit.
        pacing.commit(0, staged: 12_000, at: Self.at(1_050))
        #expect(pacing.lastCommit == Self.at(1_000))
        for _ in 0..<3 {
            #expect(pacing.takesSlice(commitsWaiting: false, at: Self.at(1_050)))
            pacing.tookSlice()
        }
        #expect(pacing.credit == 750 - 3_000)
        pacing.commit(1_600, staged: 12_000, at: Self.at(1_060))
        #expect(!pacing.isIdle(at: Self.at(1_100)), "a commit that stored events ends the idle time")
        #expect(pacing.credit == -250)
        #expect(Self.slicesBeforeTheNextCommit(&pacing) == 0, "ahead of the commits, the merge owes them nothing")
        // Far ahead: by one staging limit at most.
        for _ in 0..<100 { pacing.tookSlice() }
        #expect(pacing.credit == -10_000)
    }

    /// Staged events left by an earlier process are merged once the store has been idle since it opened, with no
    /// commit at all.
    @Test func beforeAnyCommitIdlenessCountsFromTheStart() {
        var pacing = Self.pacing()
        pacing.commit(0, staged: 12_000, at: Self.at(10))
        #expect(!pacing.takesSlice(commitsWaiting: false, at: Self.at(10)))
        #expect(pacing.takesSlice(commitsWaiting: false, at: Self.at(50)))
    }

    @Test func aLargeCommitIsOwedInProportionAndMoreWhenTheLogIsBehind() {
        var pacing = Self.pacing()
        pacing.commit(8_000, staged: 12_000, at: Self.at(0))
        #expect(Self.slicesBeforeTheNextCommit(&pacing) == 10)
        pacing.commit(8_000, staged: 35_000, at: Self.at(0))
        #expect(Self.slicesBeforeTheNextCommit(&pacing) == 30, "three limits staged: three times the pace")
    }

    /// Commits that went on while the merge sorted its plan leave at most two slices owed: the next commit does not
    /// wait for all of them at once.
    @Test func creditLeftFromEarlierCommitsCountsForAtMostTwoSlices() {
        var pacing = Self.pacing()
        for _ in 0..<50 { pacing.commit(1_000, staged: 12_000, at: Self.at(0)) }
        #expect(pacing.credit == 2_000 + 1_250)
        #expect(Self.slicesBeforeTheNextCommit(&pacing) == 3)
        pacing.finish()
        #expect(pacing.credit == 0)
    }
}
