import Foundation
import Testing
@testable import ROOTIO

/// Replays every kept crasher and crafted file of `fixtures/regressions/root/` (fuzzing finds,
/// issue-9 reproductions): each must read to typed errors, never crash, hang or blow up.
@Suite struct RegressionTests {
    static let folder = Fixtures.package.appendingPathComponent("fixtures/regressions/root")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func theFolderHoldsTheKnownInputs() {
        // the crafted files of issue 9; fuzzing crashers are added next to them
        #expect(Set(Self.inputs).isSuperset(of: ["th1-axis-nbins-huge.root", "tree-basket-nbytes-negative.root",
                                                   "tree-basket-nevbuf-huge.root"]))
    }

    @Test(arguments: inputs)
    func replayGivesTypedErrors(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(name)))
        #expect(TargetedMutationTests.errors(reading: bytes) > 0, "\(name) reads without any error")
    }
}
