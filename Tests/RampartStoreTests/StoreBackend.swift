import Testing
import Foundation
import RampartCore
import RampartStore

/// Every `EventStore` implementation the generic store tests run against.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteFile
    case sqliteInMemory

    var testDescription: String { rawValue }

    /// A fresh, empty store.
    func make(unitIdHashKey: [UInt8]? = nil, shardUnits: Int = 1 << 17) throws -> any EventStore {
        let configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, unitIdHashKey: unitIdHashKey, analysisShardUnits: shardUnits)
        switch self {
        case .sqliteFile:
            return try SQLiteEventStore(path: Self.temporaryPath(), configuration: configuration)
        case .sqliteInMemory:
            return try SQLiteEventStore(inMemoryWith: configuration)
        }
    }

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("events.sqlite").path
    }
}
