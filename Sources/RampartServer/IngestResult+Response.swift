import RampartCore
import RampartStore

extension IngestResult {
    /// The members every ingest route answers with: `stored`, `duplicates`, and `rejected`, each rejection with
    /// its index, uuid (when it had a valid one), field and reason, in index order.
    var responseMembers: [String: JSONValue] {
        [
            "stored": .number(Double(stored)),
            "duplicates": .number(Double(duplicates)),
            "rejected": .array(rejections.sorted { $0.index < $1.index }.map { r in
                var o: [String: JSONValue] = ["index": .number(Double(r.index)), "field": .string(r.field), "reason": .string(r.reason)]
                if let uuid = r.uuid { o["uuid"] = .string(uuid.uuidString.lowercased()) }
                return .object(o)
            }),
        ]
    }
}
