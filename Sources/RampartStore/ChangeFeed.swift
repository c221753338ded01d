/// A store that tells a process when the shared configuration changed, wherever the change was made
/// (PostgreSQL: `LISTEN`/`NOTIFY` on ``PostgresEventStore/changeChannel``).
///
/// Replicas still reload on a timer (`rampart serve --reload-every`): a notification only makes the reload
/// immediate, and one missed while the connection was down is covered by the next timed reload.
public protocol ChangeFeed: Sendable {
    /// Listens until cancelled, calling `onChange` for every change to a rollout or an API key.
    ///
    /// `onChange` is also called once the listener is connected, since changes made while it was not are unknown.
    ///
    /// - Parameter onChange: Called for each notification; keep it short (signal a reload, do not run it).
    /// - Throws: When the connection fails or is lost; the caller connects again.
    func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async throws
}
