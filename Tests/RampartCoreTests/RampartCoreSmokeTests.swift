import Testing
@testable import RampartCore
