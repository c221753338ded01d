import Testing
@testable import RampartCLI
