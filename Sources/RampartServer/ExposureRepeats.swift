import RampartCore

/// The exposures an ``ExposureLogger`` accepted recently, to tell a repeat from a new exposure.
///
/// Two generations of keys: an exposure is a repeat while its key is in either. The current generation becomes the
/// previous one when it is half a window old or holds half the capacity, and the previous one is forgotten, so a key
/// is remembered for between half a window and a window (less when the capacity is reached) and memory stays
/// within the capacity.
struct ExposureRepeats {
    /// What makes two exposures the same for attribution and segments.
    struct Key: Hashable {
        var unit: String
        var experiment: String
        var phase: Int
        var variant: String
        var segments: [String: JSONValue]

        init(_ exposure: Exposure) {
            unit = exposure.unit
            experiment = exposure.experiment
            phase = exposure.phase
            variant = exposure.variant
            segments = exposure.segments
        }
    }

    let window: Duration
    let capacity: Int
    private var current: Set<Key> = []
    private var previous: Set<Key> = []
    private var started: ContinuousClock.Instant?

    /// Creates an empty memory.
    ///
    /// - Parameters:
    ///   - window: How long a key is remembered at most; `.zero` remembers nothing.
    ///   - capacity: The most keys remembered.
    init(window: Duration, capacity: Int) {
        self.window = window
        self.capacity = capacity
    }

    /// Whether `exposure` repeats one inserted within the window.
    mutating func contains(_ exposure: Exposure, at now: ContinuousClock.Instant) -> Bool {
        guard window > .zero, capacity > 1 else { return false }
        rotate(at: now)
        let key = Key(exposure)
        return current.contains(key) || previous.contains(key)
    }

    /// Remembers `exposure` as accepted.
    mutating func insert(_ exposure: Exposure, at now: ContinuousClock.Instant) {
        guard window > .zero, capacity > 1 else { return }
        rotate(at: now)
        current.insert(Key(exposure))
    }

    /// Starts a new generation when the current one is half a window old or half full.
    private mutating func rotate(at now: ContinuousClock.Instant) {
        guard let started else {
            self.started = now
            return
        }
        if now - started >= window / 2 || current.count >= capacity / 2 {
            previous = current
            current = []
            self.started = now
        }
    }
}
