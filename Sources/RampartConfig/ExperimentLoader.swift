import RampartCore
import Yams
