import PostgresNIO
import RampartCore

extension PostgresEventStore: ChangeFeed {
    /// Listens on a connection of its own, outside the pool, so that listening never takes a connection from the
    /// requests.
    public func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 1, logger: logger)
        } catch {
            throw RampartError(.storage, "cannot listen for changes on PostgreSQL at \(location.address): \(PostgresLocation.reason(error))")
        }
        do {
            try await connection.listen(on: Self.changeChannel) { notifications in
                onChange()
                for try await _ in notifications { onChange() }
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            if Task.isCancelled { return }
            throw RampartError(.storage, "listening for changes on PostgreSQL at \(location.address) stopped: \(PostgresLocation.reason(error))")
        }
    }
}
