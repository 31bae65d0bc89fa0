import ArgumentParser
import Foundation
import Inference

// What makes `hepkit` a drop-in for the `pyhf` 0.7.6 command line: pyhf's tensor-backend and
// optimiser options, click's argument conventions (pair options, exit status 2 for usage errors),
// `--version`, `--cite`, `completions` and `contrib download`.

/// pyhf's `--backend`, `--optimizer` and `--optconf` (one line in a command: `@OptionGroup var pyhf: PyhfOptions`).
///
/// HEPKit has one engine, so every backend gives the same numbers; `--optconf maxiter=N` and
/// `tolerance=T` set the minimiser's iteration limit and gradient tolerance, and a fit that has not
/// converged within an explicit `maxiter` fails, as pyhf's optimisers do.
struct PyhfOptions: ParsableArguments {
    /// pyhf's backend names (and its aliases).
    static let backends = ["numpy", "pytorch", "tensorflow", "jax", "np", "torch", "tf"]

    @Option(help: ArgumentHelp("pyhf's tensor backend: numpy, pytorch, tensorflow or jax. Accepted for compatibility; HEPKit's one engine gives the same results for each.", valueName: "backend"))
    var backend: String?

    @Option(help: ArgumentHelp("pyhf's optimiser: scipy or minuit. Both use HEPKit's minimiser.", valueName: "optimizer"))
    var optimizer: PyhfOptimizer?

    @Option(help: ArgumentHelp("An optimiser setting KEY=VALUE (repeatable): maxiter (iteration limit; a fit not converged within it fails), tolerance (gradient tolerance); verbose and strategy are accepted and ignored.", valueName: "key=value"))
    var optconf: [String] = []

    func validate() throws {
        _ = try minimizerSettings()
    }

    /// The minimiser settings `--optconf` asks for (nil when it asks for none).
    func minimizerSettings() throws -> MinimizerOptions? {
        guard !optconf.isEmpty else { return nil }
        var options = MinimizerOptions()
        for item in optconf {
            guard let equals = item.firstIndex(of: "=") else {
                throw ValidationError("Invalid value for '--optconf': \(item) is not a valid equal-delimited string")
            }
            let key = String(item[..<equals]), value = item[item.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "maxiter":
                guard let n = Int(value), n >= 1 else { throw ValidationError("--optconf maxiter must be a positive integer (got '\(value)')") }
                options.maxIterations = n
                options.requireConvergence = true
            case "tolerance":
                guard let t = Double(value), t > 0, t.isFinite else { throw ValidationError("--optconf tolerance must be a positive number (got '\(value)')") }
                options.gradientTolerance = t
            case "verbose", "strategy", "disp":
                continue
            default:
                throw ValidationError("--optconf \(key): not an optimiser setting (maxiter, tolerance, verbose, strategy)")
            }
        }
        return options
    }

    /// Makes the settings the process's minimiser default (before the command runs) and notes an
    /// unknown backend name on standard error.
    func apply() throws {
        if let backend, !Self.backends.contains(backend) {
            FileHandle.standardError.write(Data("hepkit: note: unknown backend '\(backend)'; HEPKit's one engine is used (results as for numpy)\n".utf8))
        }
        if let settings = try minimizerSettings() { MinimizerOptions.processDefault = settings }
    }

    /// The pyhf options of a parsed command, if it declares them (directly or in a nested group).
    static func of(_ arguments: any ParsableArguments) -> PyhfOptions? {
        for child in Mirror(reflecting: arguments).children {
            if let options = child.value as? OptionGroup<PyhfOptions> { return options.wrappedValue }
            if let group = child.value as? any ArgumentsGroup, let found = of(group.arguments) { return found }
        }
        return nil
    }
}

/// pyhf's `--optimizer` choices.
enum PyhfOptimizer: String, ExpressibleByArgument, CaseIterable {
    case scipy, minuit
}

/// click's argument conventions where they differ from ArgumentParser's.
enum ClickArguments {
    /// Options that take exactly two values (click `nargs=2`) by subcommand: spelling → long name.
    static let pairOptions: [String: [String: String]] = [
        "rename": ["-c": "--channel", "--channel": "--channel", "-s": "--sample", "--sample": "--sample",
                   "-m": "--modifier", "--modifier": "--modifier", "--measurement": "--measurement"],
    ]

    /// `arguments` with every pair option `-m OLD NEW` rewritten as `--modifier=OLD --modifier=NEW`,
    /// so that the workspace path after a pair is not taken as a third value (click reads exactly two).
    static func normalized(_ arguments: [String]) -> [String] {
        guard let subcommand = arguments.first(where: { !$0.hasPrefix("-") }), let pairs = pairOptions[subcommand] else {
            return arguments
        }
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            // With fewer than two values left the option stays as written, and parsing reports it.
            if let long = pairs[argument], index + 2 < arguments.count {
                result += ["\(long)=\(arguments[index + 1])", "\(long)=\(arguments[index + 2])"]
                index += 3
            } else {
                result.append(argument)
                index += 1
            }
        }
        return result
    }

    /// `hepkit --cite` / `--citation` before any subcommand (click's eager group option).
    static func asksForCitation(_ arguments: [String]) -> Bool {
        for argument in arguments {
            if argument == "--cite" || argument == "--citation" { return true }
            if !argument.hasPrefix("-") { return false }
        }
        return false
    }
}

/// The BibTeX that `pyhf --cite` prints: HEPKit implements pyhf's model and command line, so the
/// software to cite for the statistical method is pyhf (pyhf 0.7.6's `data/citation.bib`).
let pyhfCitation = """
    @software{pyhf,
      author = {Lukas Heinrich and Matthew Feickert and Giordon Stark},
      title = "{pyhf: v0.7.6}",
      version = {0.7.6},
      doi = {10.5281/zenodo.1169739},
      url = {https://doi.org/10.5281/zenodo.1169739},
      note = {https://github.com/scikit-hep/pyhf/releases/tag/v0.7.6}
    }

    @article{pyhf_joss,
      doi = {10.21105/joss.02823},
      url = {https://doi.org/10.21105/joss.02823},
      year = {2021},
      publisher = {The Open Journal},
      volume = {6},
      number = {58},
      pages = {2823},
      author = {Lukas Heinrich and Matthew Feickert and Giordon Stark and Kyle Cranmer},
      title = {pyhf: pure-Python implementation of HistFactory statistical models},
      journal = {Journal of Open Source Software}
    }
    """

/// `hepkit completions [SHELL]`: the shell completion script (as `pyhf completions`).
struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions", abstract: "Generate shell completion code (bash, zsh or fish; default: $SHELL).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "bash, zsh or fish.")
    var shell: String?

    func run() throws {
        let name = shell ?? ProcessInfo.processInfo.environment["SHELL"].map { URL(fileURLWithPath: $0).lastPathComponent } ?? "bash"
        guard let kind = CompletionShell(rawValue: name) else {
            throw ValidationError("Invalid value for '[SHELL]': '\(name)' is not one of \(CompletionShell.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")).")
        }
        print(HEPKitCommand.completionScript(for: kind))
    }
}

/// `hepkit contrib download`: pyhf's archive download, which needs the network HEPKit does not use.
struct ContribCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contrib", abstract: "Contributed utilities (as `pyhf contrib`).", subcommands: [Download.self])

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download and extract a likelihood archive (needs network access: not available in HEPKit).")

        /// The hosts pyhf 0.7.6 downloads from.
        static let approvedHosts = ["www.hepdata.net", "doi.org", "zenodo.org"]

        @OptionGroup var execution: ExecutionOptions
        @Argument(help: ArgumentHelp("The archive's URL.", valueName: "archive-url"))
        var archiveURL: String
        @Argument(help: ArgumentHelp("Where to extract it.", valueName: "output-directory"))
        var outputDirectory: String
        @Flag(name: [.short, .long], help: "Accepted for compatibility.") var verbose = false
        @Flag(name: [.short, .long], help: "Accepted for compatibility.") var force = false
        @Flag(help: "Accepted for compatibility.") var compress = false

        func run() throws {
            try reportingErrors {
                let host = URL(string: archiveURL)?.host ?? archiveURL
                guard Self.approvedHosts.contains(host) else {
                    throw CommandError("\(host) is not an approved archive host: \(Self.approvedHosts.joined(separator: ", "))")
                }
                throw CommandError("contrib download: no network access — HEPKit does not download; fetch \(archiveURL) (e.g. with curl) and unpack it into \(outputDirectory)")
            }
        }
    }
}
