import DiffColumns

/// The deterministic train/validation split of an analysis's events: an event is held out when
/// a hash of its file index and entry number (mixed with the seed) falls below the fraction. The
/// same event of a shifted-branch or alternative-ntuple template lands on the same side, and the
/// split does not depend on how the events are read (work items, shards, threads).
public struct EventSplit: Sendable, Equatable {
    /// The fraction of events held out for validation.
    public var fraction: Double
    public var seed: UInt64

    public init(fraction: Double, seed: UInt64 = 0) {
        precondition(fraction > 0 && fraction < 1, "validation fraction \(fraction)")
        self.fraction = fraction
        self.seed = seed
    }

    public init(_ validation: AnalysisConfig.Validation) {
        self.init(fraction: validation.fraction, seed: validation.seed)
    }

    /// Whether entry `entry` of file `file` is a validation event.
    public func isValidation(file: Int, entry: Int64) -> Bool {
        let h = Self.mix(Self.mix(seed &+ UInt64(truncatingIfNeeded: file)) ^ UInt64(bitPattern: entry))
        return Double(h >> 11) * 0x1p-53 < fraction
    }

    /// SplitMix64's finaliser: every input bit affects every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The factor that scales a part's histograms to the full sample's: counts and sumw2 of the
    /// validation part are estimates of `fraction` of the full ones.
    public func scale(validation: Bool) -> Double { validation ? 1 / fraction : 1 / (1 - fraction) }
}

/// The file and entry numbers behind a work item's rows.
public struct EntryRange: Hashable, Sendable {
    /// Index into the source's files.
    public var file: Int
    public var entries: Range<Int64>

    public init(file: Int, entries: Range<Int64>) {
        self.file = file
        self.entries = entries
    }
}

extension AnalysisEvents {
    /// The training and the validation part of these events, each with its histograms scaled to
    /// the full sample (``AnalysisEvents/weightScale``). Every work item keeps its place (possibly
    /// with no rows), so a part's items still line up with the processes that share them.
    public func split(by split: EventSplit) throws -> (training: AnalysisEvents, validation: AnalysisEvents) {
        var parts: [AnalysisEvents] = []
        for validation in [false, true] {
            var itemRows: [EventSource: [Range<Int>]] = [:]
            func part(_ table: ColumnTable, _ source: EventSource) throws -> ColumnTable {
                let ranges = rows(of: source, rowCount: table.eventCount)
                let entries = itemEntries[source]
                    ?? ranges.map { EntryRange(file: 0, entries: Int64($0.lowerBound)..<Int64($0.upperBound)) }
                var kept: [Int] = [], keptRanges: [Range<Int>] = []
                kept.reserveCapacity(table.eventCount)
                for (rows, entry) in zip(ranges, entries) {
                    let start = kept.count
                    for r in rows where split.isValidation(
                        file: entry.file, entry: entry.entries.lowerBound + Int64(r - rows.lowerBound)) == validation {
                        kept.append(r)
                    }
                    keptRanges.append(start..<kept.count)
                }
                itemRows[source] = keptRanges
                return try table.selecting(rows: kept)
            }
            let samples = try self.samples.enumerated().map { s, table in try part(table, .sample(s)) }
            var alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]
            for (k, pair) in self.alternatives {
                alternatives[k] = (
                    try part(pair.up, .alternative(systematic: k, up: true)),
                    try part(pair.down, .alternative(systematic: k, up: false)))
            }
            var events = AnalysisEvents(samples: samples, alternatives: alternatives, itemRows: itemRows)
            events.weightScale = weightScale * split.scale(validation: validation)
            parts.append(events)
        }
        return (parts[0], parts[1])
    }
}

extension ColumnTable {
    /// The table of the events at `rows` (in that order).
    public func selecting(rows: [Int]) throws(ColumnError) -> ColumnTable {
        var selected: [String: DataColumn] = [:]
        for (name, column) in columns {
            switch column.layout {
            case .scalar(let values):
                selected[name] = DataColumn(rows.map { values[$0] })
            case .jagged(let jagged):
                var values: [Double] = [], offsets = [0]
                offsets.reserveCapacity(rows.count + 1)
                for r in rows {
                    values.append(contentsOf: jagged.values[jagged.offsets[r]..<jagged.offsets[r + 1]])
                    offsets.append(values.count)
                }
                selected[name] = DataColumn(values: values, validOffsets: offsets)
            }
        }
        return try ColumnTable(selected)
    }
}
