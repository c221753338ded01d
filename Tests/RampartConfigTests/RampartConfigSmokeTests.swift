import Testing
@testable import RampartConfig
