import Foundation
import RampartCore

extension EncodedBatch {
    /// The slot of an event name in ``distinctNames``, adding it when new; names are few, so they are found by
    /// comparing bytes instead of hashing.
    mutating func nameSlot(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        for (slot, known) in distinctNameBytes.enumerated() where known.elementsEqual(bytes) {
            return Int32(slot)
        }
        distinctNameBytes.append(Array(bytes))
        distinctNames.append(String(decoding: bytes, as: UTF8.self))
        return Int32(distinctNames.count - 1)
    }

    /// The slot of a stored unit key in ``distinctUnits``, adding it when new.
    mutating func unitSlot(_ key: String) -> Int32 {
        if let slot = unitSlotOf[key] { return slot }
        let slot = Int32(distinctUnits.count)
        unitSlotOf[key] = slot
        distinctUnits.append(key)
        return slot
    }

    /// The slot of an exposure's experiment phase and variant in ``distinctExposures``, adding it when new.
    mutating func exposureSlot(_ exposure: ExposureKey) -> Int32 {
        if let slot = distinctExposures.firstIndex(of: exposure) { return Int32(slot) }
        distinctExposures.append(exposure)
        return Int32(distinctExposures.count - 1)
    }

    /// The slot of a scanned exposure's experiment phase and variant, compared on their bytes so that no `String`
    /// is made for an exposure already seen in the batch.
    mutating func exposureSlot(_ event: borrowing ScannedEvent) -> Int32 {
        guard case .text(let experiment) = event.value(of: KnownProperties.experimentIndex),
            case .text(let variant) = event.value(of: KnownProperties.variantIndex)
        else { preconditionFailure("the scanner passes exposures with an experiment and a variant only") }
        var phase = 0
        if case .number(let n) = event.value(of: KnownProperties.phaseIndex) { phase = Int(n) }
        let experimentBytes = event.bytes(experiment), variantBytes = event.bytes(variant)
        for (slot, known) in distinctExposures.enumerated()
        where known.scope.phase == phase && known.scope.key.utf8.elementsEqual(experimentBytes) && known.variant.utf8.elementsEqual(variantBytes) {
            return Int32(slot)
        }
        return exposureSlot(ExposureKey(
            scope: ExperimentScope(key: String(decoding: experimentBytes, as: UTF8.self), phase: phase),
            variant: String(decoding: variantBytes, as: UTF8.self)
        ))
    }
}
