import Testing
@testable import ROOTIO
