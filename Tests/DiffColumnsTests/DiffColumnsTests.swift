import Testing
@testable import DiffColumns
