import Testing
@testable import HistFactory
