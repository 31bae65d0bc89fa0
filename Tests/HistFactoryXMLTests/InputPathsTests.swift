import Foundation
import Testing
@testable import HistFactoryXML

@Test func pathsResolveUnderTheBaseFolder() throws {
    let paths = InputPaths(basedir: "/data/analysis")
    #expect(try paths.resolve("./config/channel.xml") == "/data/analysis/config/channel.xml")
    #expect(try paths.resolve("data/../data/x.root") == "/data/analysis/data/x.root")
}

@Test(arguments: ["../secret.root", "data/../../other/x.root", "/etc/passwd"])
func pathsLeavingTheBaseFolderAreRefused(_ name: String) {
    let paths = InputPaths(basedir: "/data/analysis")
    #expect { _ = try paths.resolve(name) } throws: { error in
        (error as? XMLImportError)?.reason.contains("leaves the base folder") == true
    }
}

@Test func mountsMapAbsolutePathsAsPyhfDoes() throws {
    let paths = InputPaths(basedir: "/work", mounts: [try InputPaths.Mount(parsing: "/local/files:/absolute/path/to")])
    #expect(try paths.resolve("/absolute/path/to/data/x.root") == "/local/files/data/x.root")
    #expect(try paths.resolve("/absolute/path/to") == "/local/files")
    #expect(throws: XMLImportError.self) { _ = try paths.resolve("/absolute/path/too/x.root") }
    #expect(throws: XMLImportError.self) { _ = try paths.resolve("/absolute/path/to/../../x.root") }
}

@Test(arguments: ["a::b", "ab", ":b", "a:", "a:b:c"])
func badMountsAreRefusedAsPyhfDoes(_ text: String) {
    #expect { _ = try InputPaths.Mount(parsing: text) } throws: { error in
        (error as? XMLImportError)?.reason == "\(text) is not a valid colon-separated option"
    }
}
