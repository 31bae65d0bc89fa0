import ROOTIO

/// The bin contents and bin errors of one ROOT histogram, as pyhf's `import_root_histogram` reads them.
struct Template {
    /// Bin contents without flow bins; for 2D and 3D histograms flattened in ROOT's bin order (x fastest).
    var values: [Double]
    /// `sqrt(sumw2)` when the histogram stores `fSumw2`, else `sqrt(contents)` (as numpy computes it).
    var errors: [Double]
}

/// Reads histograms from the ROOT files an XML configuration names, opening each file once.
final class TemplateReader {
    private let paths: InputPaths
    private var files: [String: ROOTFile] = [:]

    init(paths: InputPaths) { self.paths = paths }

    /// The histogram `name` of `file`, looked up as pyhf does: `name` itself first, then
    /// `path/name` (with `path`'s leading and trailing slashes removed).
    func template(file: String, path: String, name: String) throws(XMLImportError) -> Template {
        let resolved = try paths.resolve(file)
        let root = try open(resolved, as: file)
        let folder = path.trimmingSlashes
        var candidates = [name]
        if !folder.isEmpty { candidates.append(folder + "/" + name) }
        for candidate in candidates {
            let histogram: Histogram
            do {
                histogram = try root.histogram(candidate)
            } catch {
                if case .notFound = error.reason { continue }
                throw XMLImportError(file: file, reason: error.description)
            }
            guard histogram.binEntriesWithFlow == nil else {
                throw XMLImportError(file: file, element: candidate, reason: "\(histogram.className) is a profile, not a histogram of counts")
            }
            return Template(histogram)
        }
        let tried = candidates.count == 1 ? name : "Both \(candidates[0]) and \(candidates[1]) were tried and"
        throw XMLImportError(file: file, reason: "\(tried) not found in \(resolved)")
    }

    private func open(_ path: String, as name: String) throws(XMLImportError) -> ROOTFile {
        if let file = files[path] { return file }
        do {
            let file = try ROOTFile(path: path)
            files[path] = file
            return file
        } catch {
            throw XMLImportError(file: name, reason: error.description)
        }
    }
}

extension Template {
    init(_ histogram: Histogram) {
        values = histogram.values
        // uproot's `weighted`: fSumw2 is stored with one entry per cell.
        if let sumw2 = histogram.sumw2, !sumw2.isEmpty {
            errors = sumw2.map { $0.squareRoot() }
        } else {
            // numpy takes the square root in the type of the stored contents: float32 for TH1F
            // and TH1S, float16 for TH1C, float64 for TH1D and TH1I.
            switch histogram.className.last {
            case "F", "S": errors = values.map { Double(Float($0).squareRoot()) }
            case "C": errors = values.map { Double(Float16(Float($0).squareRoot())) }
            default: errors = values.map { $0.squareRoot() }
            }
        }
    }
}

private extension String {
    var trimmingSlashes: String {
        var text = Substring(self)
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
