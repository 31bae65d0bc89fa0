/// The stated bounds on an analysis config, so a config (written by mistake or by an attacker)
/// cannot ask for unbounded work or memory: each is checked when the config is resolved, and the
/// error names the place and the limit.
///
/// The limits are far above real analyses (the bundled example uses 100 steps, 3 bins, 4
/// parameters) and low enough that the work they allow finishes.
public enum AnalysisLimits {
    /// The largest config file, in bytes.
    public static let configBytes = 16 << 20
    /// Optimisation steps (each runs the profile fits of the objective).
    public static let steps = 100_000
    /// Bin edges per region (10,000 bins).
    public static let edges = 10_001
    /// Regions, samples and systematics (each multiplies the histograms filled).
    public static let regions = 1_000
    public static let samples = 1_000
    public static let systematics = 1_000
    /// Analysis parameters (each adds a tangent row to every soft evaluation).
    public static let parameters = 100
    /// Networks, their hidden layers, the width of a layer (and the number of inputs), and the
    /// weights of one network (each weight is a Jacobian column of every soft histogram).
    public static let networks = 16
    public static let networkLayers = 16
    public static let networkWidth = 1_024
    public static let networkWeights = 100_000
    /// Files of one sample or template.
    public static let filesPerSample = 100_000
    /// Histogram bins of the whole analysis (regions × bins × samples × templates).
    public static let totalBins = 1_000_000
    /// Histogram bins × (1 + parameters): the size of the soft histograms' values and Jacobians.
    public static let totalDerivatives = 20_000_000
    /// The largest magnitude of a number in the config (bounds, edges, widths, rates); beyond it
    /// differences and squares overflow.
    public static let magnitude = 1e100
}
