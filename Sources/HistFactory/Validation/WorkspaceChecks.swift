// Rules beyond the JSON schema: what pyhf checks while building a model (§1.4 of the reference),
// plus the duplicate-name checks of pyhf's main branch, which 0.7.6 silently accepts.

extension Workspace {
    /// Problems of the workspace as a whole (independent of the measurement): duplicate names,
    /// inconsistent bin counts, modifier data lengths and invalid sharing of parameter names.
    public func structuralIssues() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let root = JSONPath.root

        func duplicates<T>(_ items: [T], _ path: (Int) -> JSONPath, what: String, key: (T) -> String) {
            var first: [String: Int] = [:]
            for (i, item) in items.enumerated() {
                let k = key(item)
                if let j = first[k] {
                    issues.append(ValidationIssue(path(i), expected: "a unique \(what)", found: "a duplicate of \(path(j))"))
                } else {
                    first[k] = i
                }
            }
        }

        duplicates(channels, { root / "channels" / $0 / "name" }, what: "channel name", key: \.name)
        duplicates(observations, { root / "observations" / $0 / "name" }, what: "observation name", key: \.name)
        duplicates(measurements, { root / "measurements" / $0 / "name" }, what: "measurement name", key: \.name)

        let bins = channelBins
        for (c, channel) in channels.enumerated() {
            let channelPath = root / "channels" / c
            duplicates(channel.samples, { channelPath / "samples" / $0 / "name" }, what: "sample name in the channel", key: \.name)
            let nbins = bins[channel.name]!
            for (s, sample) in channel.samples.enumerated() {
                let samplePath = channelPath / "samples" / s
                duplicates(
                    sample.modifiers, { samplePath / "modifiers" / $0 }, what: "(name, type) modifier on the sample",
                    key: { $0.name + "\u{0}" + $0.kind.rawValue })
                if sample.data.count != nbins {
                    issues.append(
                        ValidationIssue(
                            samplePath / "data",
                            expected: "\(nbins) bin\(nbins == 1 ? "" : "s") (the length of channel '\(channel.name)''s first sample)",
                            found: "\(sample.data.count)"))
                }
                for (m, modifier) in sample.modifiers.enumerated() {
                    let dataPath = samplePath / "modifiers" / m / "data"
                    func checkLength(_ values: [Double], _ path: JSONPath) {
                        if values.count != sample.data.count {
                            issues.append(
                                ValidationIssue(
                                    path, expected: "\(sample.data.count) values (one per bin of sample '\(sample.name)')",
                                    found: "\(values.count)"))
                        }
                    }
                    switch modifier.data {
                    case .none, .normsys: break
                    case .histosys(let hi, let lo):
                        checkLength(hi, dataPath / "hi_data")
                        checkLength(lo, dataPath / "lo_data")
                    case .perBin(let values):
                        checkLength(values, dataPath)
                    }
                }
            }
        }
        for (o, observation) in observations.enumerated() {
            if let nbins = bins[observation.name], observation.data.count != nbins {
                issues.append(
                    ValidationIssue(
                        root / "observations" / o / "data", expected: "\(nbins) bins (channel '\(observation.name)')",
                        found: "\(observation.data.count)"))
            }
        }
        issues += sharingIssues()
        return issues
    }

    /// Invalid reuse of a modifier name: across types, shapesys on several samples, staterror in
    /// different channel sets per sample, shapefactor over channels with different bin counts.
    private func sharingIssues() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        var firstUse: [String: (kind: ModifierKind, path: JSONPath)] = [:]
        var shapesysUse: [String: JSONPath] = [:]
        var staterrorChannels: [String: [String: Set<String>]] = [:]  // name → sample → channels
        var shapefactorBins: [String: (bins: Int, path: JSONPath)] = [:]
        let bins = channelBins
        for (c, channel) in channels.enumerated() {
            for (s, sample) in channel.samples.enumerated() {
                for (m, modifier) in sample.modifiers.enumerated() {
                    let path = JSONPath.root / "channels" / c / "samples" / s / "modifiers" / m
                    if let first = firstUse[modifier.name] {
                        if !first.kind.canShareName(with: modifier.kind) {
                            issues.append(
                                ValidationIssue(
                                    path / "type",
                                    expected:
                                        "\(first.kind.rawValue) (name '\(modifier.name)' is a \(first.kind.rawValue) at \(first.path); only normsys and histosys may share a name)",
                                    found: modifier.kind.rawValue))
                        }
                    } else {
                        firstUse[modifier.name] = (modifier.kind, path)
                    }
                    switch modifier.kind {
                    case .shapesys:
                        if let first = shapesysUse[modifier.name] {
                            issues.append(
                                ValidationIssue(
                                    path / "name", expected: "a shapesys name used by one sample only",
                                    found: "'\(modifier.name)' also used at \(first)"))
                        } else {
                            shapesysUse[modifier.name] = path
                        }
                    case .staterror:
                        staterrorChannels[modifier.name, default: [:]][sample.name, default: []].insert(channel.name)
                    case .shapefactor:
                        let n = bins[channel.name]!
                        if let first = shapefactorBins[modifier.name] {
                            if first.bins != n {
                                issues.append(
                                    ValidationIssue(
                                        path,
                                        expected: "a channel with \(first.bins) bins (shapefactor '\(modifier.name)' is shared by bin index with \(first.path))",
                                        found: "channel '\(channel.name)' with \(n) bins"))
                            }
                        } else {
                            shapefactorBins[modifier.name] = (n, path)
                        }
                    default:
                        break
                    }
                }
            }
        }
        for (name, perSample) in staterrorChannels.sorted(by: { $0.key.pythonPrecedes($1.key) }) {
            let sets = Set(perSample.values)
            if sets.count > 1 {
                let detail = perSample.sorted { $0.key.pythonPrecedes($1.key) }
                    .map { "\($0.key): \($0.value.sorted { $0.pythonPrecedes($1) }.joined(separator: ","))" }
                    .joined(separator: "; ")
                issues.append(
                    ValidationIssue(
                        .root / "channels", expected: "staterror '\(name)' on the same channels for every sample carrying it",
                        found: detail))
            }
        }
        return issues
    }

    /// Model-building problems for the measurement at `index` (pyhf raises them when the model is
    /// built): the POI, duplicate or misfitting parameter configurations, lumi without its
    /// required configuration, a model without parameters. Assumes `structuralIssues()` is empty.
    public func measurementIssues(at index: Int) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let measurement = measurements[index]
        let configPath = JSONPath.root / "measurements" / index / "config"
        let sets = Dictionary(uniqueKeysWithValues: parameterSets.map { ($0.name, $0) })
        if sets.isEmpty {
            issues.append(ValidationIssue(.root / "channels", expected: "at least one modifier (a model needs parameters)", found: "none"))
        }
        let poi = measurement.config.poi
        if !poi.isEmpty {
            if let set = sets[poi] {
                if set.size != 1 {
                    issues.append(
                        ValidationIssue(
                            configPath / "poi", expected: "a scalar parameter",
                            found: "'\(poi)', a \(set.kinds.map(\.rawValue).joined(separator: "+")) set of \(set.size) parameters"))
                }
            } else {
                issues.append(ValidationIssue(configPath / "poi", expected: "the name of a model parameter", found: "'\(poi)'"))
            }
        }
        var seen: [String: Int] = [:]
        for (j, config) in measurement.config.parameters.enumerated() {
            let path = configPath / "parameters" / j
            if let first = seen[config.name] {
                issues.append(
                    ValidationIssue(path / "name", expected: "one configuration per parameter", found: "'\(config.name)' also at \(configPath / "parameters" / first)"))
                continue
            }
            seen[config.name] = j
            // pyhf ignores configurations of names that are not parameters.
            guard let set = sets[config.name] else { continue }
            let lists: [(ParameterConfigKey, Int?)] = [
                (.inits, config.inits?.count), (.bounds, config.bounds?.count), (.auxdata, config.auxdata?.count),
                (.sigmas, config.sigmas?.count), (.factors, config.factors?.count), (.fixed, config.fixed == nil ? nil : 1),
            ]
            let kindNames = set.kinds.map(\.rawValue).joined(separator: "+")
            for (key, count) in lists {
                guard let count else { continue }
                if !set.allowedConfigKeys.contains(key) {
                    let allowed = ParameterConfigKey.allCases.filter(set.allowedConfigKeys.contains).map(\.rawValue)
                    issues.append(
                        ValidationIssue(
                            path / key.rawValue, expected: "only \(allowed.joined(separator: ", ")) for \(kindNames) parameter '\(config.name)'",
                            found: key.rawValue))
                } else if key != .fixed && count != set.size {
                    issues.append(
                        ValidationIssue(
                            path / key.rawValue, expected: "\(set.size) value\(set.size == 1 ? "" : "s") (size of \(kindNames) parameter set '\(config.name)')",
                            found: "\(count)"))
                }
            }
            for (k, pair) in (config.bounds ?? []).enumerated() where pair.count != 2 {
                issues.append(ValidationIssue(path / "bounds" / k, expected: "a pair [lo, hi]", found: "\(pair.count) numbers"))
            }
        }
        for set in sets.values.sorted(by: { $0.name.pythonPrecedes($1.name) }) {
            let required = set.kinds.reduce(into: Set<ParameterConfigKey>()) { $0.formUnion($1.requiredConfigKeys) }
            guard !required.isEmpty else { continue }
            let config = measurement.config.parameters.first { $0.name == set.name }
            let given: Set<ParameterConfigKey> = [
                config?.inits != nil ? .inits : nil, config?.bounds != nil ? .bounds : nil,
                config?.auxdata != nil ? .auxdata : nil,
            ].compactMap { $0 }.reduce(into: []) { $0.insert($1) }
            let missing = ParameterConfigKey.allCases.filter { required.contains($0) && !given.contains($0) }
            if !missing.isEmpty {
                issues.append(
                    ValidationIssue(
                        configPath / "parameters",
                        expected: "a configuration of '\(set.name)' with \(missing.map(\.rawValue).joined(separator: ", ")) (\(set.kinds[0].rawValue) has no defaults)",
                        found: config == nil ? "none" : "one without them"))
            }
        }
        return issues
    }
}
