import GRDB
import RampartCore
