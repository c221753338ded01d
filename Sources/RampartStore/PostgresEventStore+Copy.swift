import Foundation
import NIOCore
import PostgresNIO

extension PostgresEventStore {
    /// How an ingest transaction sends a batch's rows to `events` (docs/performance.md, "On PostgreSQL").
    public enum InsertMethod: String, Sendable, CaseIterable {
        /// `COPY` of the rows, in PostgreSQL's text format, into a temporary table, then one
        /// `INSERT … SELECT … ON CONFLICT (uuid) DO NOTHING`.
        case copy
        /// One multi-row `INSERT … SELECT` whose rows arrive as a single JSON array parameter.
        case json

        /// The method `RAMPART_POSTGRES_INSERT` names (`copy` or `json`), else ``copy``, the faster measured.
        public static var configured: InsertMethod {
            ProcessInfo.processInfo.environment["RAMPART_POSTGRES_INSERT"].flatMap(InsertMethod.init(rawValue:)) ?? .copy
        }
    }

    /// The columns of `events` in the order of ``copyRows(_:of:nameIDs:unitIDs:)``'s fields.
    static let copyColumns: [String] = ["uuid", "name_id", "unit_id", "ts"] + EventColumns.typed.map(\.name) + ["props"]

    /// Inserts the candidate rows through `COPY` into the connection's temporary `events_incoming` (emptied at
    /// every commit), then into `events` in uuid order with `ON CONFLICT (uuid) DO NOTHING`; returns the indices of
    /// the events stored.
    func copyEvents(_ candidates: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], unitIDs: [String: Int64], on connection: PostgresConnection) async throws -> [Int] {
        _ = try await rows(Statement("CREATE TEMPORARY TABLE IF NOT EXISTS events_incoming (LIKE events) ON COMMIT DELETE ROWS"), on: connection)
        let text = Self.copyRows(candidates, of: batch, nameIDs: nameIDs, unitIDs: unitIDs)
        try await connection.copyFrom(table: "events_incoming", columns: Self.copyColumns, logger: logger) { writer in
            let piece = 1 << 20
            var start = 0
            while start < text.count {
                let end = min(start + piece, text.count)
                try await writer.write(ByteBuffer(bytes: text[start..<end]))
                start = end
            }
        }
        let columns = Self.copyColumns.joined(separator: ", ")
        var inserted = Set<UUID>()
        for row in try await rows(Statement("""
            INSERT INTO events (\(columns)) SELECT \(columns) FROM events_incoming ORDER BY uuid
            ON CONFLICT (uuid) DO NOTHING RETURNING uuid
            """), on: connection) {
            inserted.insert(try row.decode(UUID.self))
        }
        return candidates.filter { inserted.contains(UUID(uuid: batch.uuids[$0])) }
    }

    /// The rows in `COPY`'s text format: one line per event, fields separated by tabs, `\N` for a null, and
    /// backslash, tab, newline and carriage return escaped in text (PostgreSQL's "COPY", "Text Format").
    static func copyRows(_ rows: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], unitIDs: [String: Int64]) -> [UInt8] {
        let width = copyColumns.count
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 160)
        var cells = [Int](repeating: -1, count: width)
        for i in rows {
            out.append(contentsOf: "\(UUID(uuid: batch.uuids[i]).uuidString)\t\(nameIDs[batch.distinctNames[Int(batch.nameSlots[i])]]!)\t\(unitIDs[batch.distinctUnits[Int(batch.unitSlots[i])]]!)\t\(batch.timestamps[i])".utf8)
            for c in cells.indices { cells[c] = -1 }
            for b in batch.bindStarts[i]..<batch.bindStarts[i + 1] { cells[Int(batch.binds[b].column) - 1] = b }
            for c in EventColumns.fixedCount..<width {
                out.append(UInt8(ascii: "\t"))
                guard cells[c] >= 0 else {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    continue
                }
                let bind = batch.binds[cells[c]]
                switch bind.kind {
                case .integer: out.append(contentsOf: String(bind.integer).utf8)
                case .real: out.append(contentsOf: "\(bind.real)".utf8)
                case .text: appendEscaped(batch.text[Int(bind.textStart)..<Int(bind.textStart + bind.textCount)], to: &out)
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Appends text with the escapes of `COPY`'s text format.
    static func appendEscaped(_ text: ArraySlice<UInt8>, to out: inout [UInt8]) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: out.append(byte)
            }
        }
    }
}
