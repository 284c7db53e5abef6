import Testing
import Yams
