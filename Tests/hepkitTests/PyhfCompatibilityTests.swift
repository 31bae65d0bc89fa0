import Foundation
import ArgumentParser
import Testing
@testable import hepkit

@Test func pairOptionsTakeExactlyTwoValuesAsClickDoes() throws {
    // `-m OLD NEW WS`: the workspace after the pair is the positional argument, not a third value.
    let arguments = ClickArguments.normalized(["rename", "-m", "old", "new", "ws.json", "-c", "a", "b", "--measurement", "m1", "m2"])
    #expect(arguments == ["rename", "--modifier=old", "--modifier=new", "ws.json", "--channel=a", "--channel=b",
                          "--measurement=m1", "--measurement=m2"])
    let command = try #require(try HEPKitCommand.parseAsRoot(arguments) as? RenameCommand)
    #expect(command.workspace == "ws.json")
    #expect(command.modifier == ["old", "new"])
    #expect(command.channel == ["a", "b"])
    // Values that look like options stay values; other commands are untouched.
    #expect(ClickArguments.normalized(["rename", "-s", "-x", "y"]) == ["rename", "--sample=-x", "--sample=y"])
    #expect(ClickArguments.normalized(["prune", "-m", "a", "b"]) == ["prune", "-m", "a", "b"])
}

@Test func citationIsAnEagerTopLevelFlag() {
    #expect(ClickArguments.asksForCitation(["--cite"]))
    #expect(ClickArguments.asksForCitation(["--citation", "fit"]))
    #expect(!ClickArguments.asksForCitation(["fit", "--cite"]))
    #expect(pyhfCitation.hasPrefix("@software{pyhf,") && pyhfCitation.contains("@article{pyhf_joss,") && pyhfCitation.hasSuffix("}"))
}

@Test func optconfMapsToTheMinimiser() throws {
    let fit = try #require(try HEPKitCommand.parseAsRoot(["fit", "ws.json", "--backend", "jax", "--optimizer", "minuit",
                                                           "--optconf", "maxiter=7", "--optconf", "tolerance=1e-6"]) as? FitCommand)
    let settings = try #require(try fit.options.pyhf.minimizerSettings())
    #expect(settings.maxIterations == 7)
    #expect(settings.requireConvergence)
    #expect(settings.gradientTolerance == 1e-6)
    #expect(try HEPKitCommand.parseAsRoot(["fit", "ws.json"]) is FitCommand)
}

@Test(arguments: [["fit", "--optimizer", "lbfgs", "ws.json"], ["fit", "--optconf", "maxiter", "ws.json"],
                  ["fit", "--optconf", "maxiter=0", "ws.json"], ["fit", "--optconf", "learning_rate=1", "ws.json"],
                  ["cls", "--bogus", "ws.json"]])
func usageErrorsExitWithStatusTwo(_ arguments: [String]) {
    do {
        _ = try HEPKitCommand.parseAsRoot(arguments)
        Issue.record("\(arguments) parsed")
    } catch {
        // HEPKitCommand.main maps this status (ArgumentParser's 64) to click's 2.
        #expect(HEPKitCommand.exitCode(for: error) == .validationFailure)
    }
}

@Test func theCommandLineBehavesAsPyhfs() throws {
    let version = try runHepkit(["--version"])
    #expect(version.status == 0 && version.stdout.contains("0.7.6") && version.stderr.isEmpty)
    let cite = try runHepkit(["--cite"])
    #expect(cite.status == 0 && cite.stdout.hasPrefix("@software{pyhf,") && cite.stdout.hasSuffix("}\n"))
    let usage = try runHepkit(["fit", "--no-such-option", "x.json"])
    #expect(usage.status == 2 && usage.stderr.contains("Unknown option '--no-such-option'"))
    let folder = try runHepkit(["fit", FileManager.default.temporaryDirectory.path])
    #expect(folder.status == 1 && folder.stderr.contains("it is a folder, not a file"))
    let download = try runHepkit(["contrib", "download", "https://www.hepdata.net/record/resource/1408476?view=true", "out"])
    #expect(download.status == 1 && download.stderr.contains("no network access"))
    let host = try runHepkit(["contrib", "download", "https://example.org/x.tar.gz", "out"])
    #expect(host.status == 1 && host.stderr.contains("example.org is not an approved archive host"))
    let completions = try runHepkit(["completions", "bash"])
    #expect(completions.status == 0 && completions.stdout.contains("hepkit"))
}
