import Foundation
import Testing

@testable import HistFactory

/// Model-building rules and errors (reference §1.4, §2), on small workspaces built in code.
@Suite("Model building")
struct ModelBuildingTests {
    static let mu = Modifier(name: "mu", kind: .normfactor)

    static func workspace(
        _ channels: [Channel], parameters: [ParameterConfig] = [], poi: String = "mu", observations: [Observation]? = nil
    ) -> Workspace {
        Workspace(
            channels: channels,
            observations: observations ?? channels.map { Observation(name: $0.name, data: $0.samples[0].data.map { _ in 10 }) },
            measurements: [Measurement(name: "meas", config: MeasurementConfig(poi: poi, parameters: parameters))])
    }

    static func expectError(
        _ kind: ModelError.Kind, path: String, _ ws: Workspace, measurement: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try Model(workspace: ws, measurement: measurement)
            Issue.record("expected \(kind) at \(path), but the model was built", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.path == path, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func duplicateChannel() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        Self.expectError(.invalidModel, path: "channels[1].name", Self.workspace([c, c]))
    }

    @Test func duplicateSample() {
        let s = Sample(name: "s", data: [1], modifiers: [Self.mu])
        Self.expectError(.invalidModel, path: "channels[0].samples[1].name", Self.workspace([Channel(name: "A", samples: [s, s])]))
    }

    @Test func sampleLengthMismatch() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [Self.mu]), Sample(name: "b", data: [1])])
        Self.expectError(.invalidModel, path: "channels[0].samples[1].data", Self.workspace([c]))
    }

    @Test func duplicateModifierOnSample() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu, Self.mu])])
        Self.expectError(.invalidModel, path: "channels[0].samples[0].modifiers[1]", Self.workspace([c]))
    }

    @Test func histosysTemplateLength() {
        let h = Modifier(name: "h", kind: .histosys, data: .histosys(hiData: [1, 2, 3], loData: [1, 2]))
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [Self.mu, h])])
        Self.expectError(.invalidModifier, path: "channels[0].samples[0].modifiers[1].data.hi_data", Self.workspace([c]))
    }

    @Test func staterrorLength() {
        let st = Modifier(name: "st", kind: .staterror, data: .perBin([1]))
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [Self.mu, st])])
        Self.expectError(.invalidModifier, path: "channels[0].samples[0].modifiers[1].data", Self.workspace([c]))
    }

    @Test func wrongDataShape() {
        let n = Modifier(name: "n", kind: .normsys, data: .perBin([1]))
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu, n])])
        Self.expectError(.invalidModifier, path: "channels[0].samples[0].modifiers[1].data", Self.workspace([c]))
    }

    @Test func lumiMustBeNamedLumi() {
        let l = Modifier(name: "luminosity", kind: .lumi)
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [l, Self.mu])])
        Self.expectError(.invalidModifier, path: "channels[0].samples[0].modifiers[0].name", Self.workspace([c]))
    }

    @Test func shapesysOnTwoSamples() {
        let sh = Modifier(name: "sh", kind: .shapesys, data: .perBin([1]))
        let c = Channel(name: "A", samples: [
            Sample(name: "a", data: [5], modifiers: [Self.mu, sh]), Sample(name: "b", data: [5], modifiers: [sh]),
        ])
        Self.expectError(.invalidModel, path: "channels[0].samples[1].modifiers[0]", Self.workspace([c]))
    }

    @Test func nameReuseAcrossIncompatibleTypes() {
        let c = Channel(name: "A", samples: [
            Sample(name: "a", data: [5], modifiers: [Self.mu]),
            Sample(name: "b", data: [5], modifiers: [Modifier(name: "mu", kind: .normsys, data: .normsys(hi: 1.1, lo: 0.9))]),
        ])
        Self.expectError(.invalidNameReuse, path: "channels[0].samples[1].modifiers[0]", Self.workspace([c]))
    }

    @Test("normsys and histosys with one name share one α (reference §2.7)")
    func normsysHistosysShare() throws {
        let c = Channel(name: "A", samples: [
            Sample(name: "a", data: [5, 6], modifiers: [
                Self.mu, Modifier(name: "x", kind: .normsys, data: .normsys(hi: 1.1, lo: 0.9)),
                Modifier(name: "x", kind: .histosys, data: .histosys(hiData: [6, 7], loData: [4, 5])),
            ])
        ])
        let model = try Model(workspace: Self.workspace([c]))
        #expect(model.parameterNames == ["x", "mu"])
        #expect(model.parameterSets[0].modifierTypes == ["histosys", "normsys"])
        #expect(model.auxdata == [0])
    }

    @Test func duplicateParameterConfig() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        let ws = Self.workspace([c], parameters: [ParameterConfig(name: "mu", inits: [1]), ParameterConfig(name: "mu", inits: [2])])
        Self.expectError(.invalidModel, path: "measurements[0].config.parameters[1]", ws)
    }

    @Test func configLength() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        Self.expectError(
            .invalidModel, path: "measurements[0].config.parameters[0].inits",
            Self.workspace([c], parameters: [ParameterConfig(name: "mu", inits: [1, 2])]))
    }

    @Test func configKeyNotApplicable() {
        let n = Modifier(name: "n", kind: .normsys, data: .normsys(hi: 1.1, lo: 0.9))
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu, n])])
        Self.expectError(
            .invalidModel, path: "measurements[0].config.parameters[0].sigmas",
            Self.workspace([c], parameters: [ParameterConfig(name: "n", sigmas: [0.5])]))
    }

    @Test func invertedBounds() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        Self.expectError(
            .invalidModel, path: "measurements[0].config.parameters[0].bounds[0]",
            Self.workspace([c], parameters: [ParameterConfig(name: "mu", bounds: [[2, 1]])]))
    }

    @Test func lumiWithoutConfiguration() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Modifier(name: "lumi", kind: .lumi), Self.mu])])
        Self.expectError(.invalidModel, path: "measurements[0].config.parameters", Self.workspace([c]))
    }

    @Test func poiNotAParameter() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        Self.expectError(.invalidModel, path: "measurements[0].config.poi", Self.workspace([c], poi: "xsec"))
    }

    @Test func poiWithSeveralComponents() {
        let sf = Modifier(name: "sf", kind: .shapefactor)
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [sf])])
        Self.expectError(.invalidModel, path: "measurements[0].config.poi", Self.workspace([c], poi: "sf"))
    }

    @Test func noParameters() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1])])
        Self.expectError(.invalidModel, path: "channels", Self.workspace([c], poi: ""))
    }

    @Test func unknownMeasurement() {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1], modifiers: [Self.mu])])
        Self.expectError(.invalidMeasurement, path: "measurements", Self.workspace([c]), measurement: "other")
    }

    @Test func shapefactorBinCountsDiffer() {
        let sf = Modifier(name: "sf", kind: .shapefactor)
        let a = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [Self.mu, sf])])
        let b = Channel(name: "B", samples: [Sample(name: "s", data: [1, 2, 3], modifiers: [sf])])
        Self.expectError(.invalidModel, path: "channels[1].samples[0].modifiers[0]", Self.workspace([a, b]))
    }

    @Test func staterrorInconsistentChannels() {
        let st = Modifier(name: "st", kind: .staterror, data: .perBin([1]))
        let a = Channel(name: "A", samples: [
            Sample(name: "b", data: [5], modifiers: [Self.mu, st]), Sample(name: "s", data: [5], modifiers: [st]),
        ])
        let b = Channel(name: "B", samples: [Sample(name: "b", data: [5], modifiers: [st]), Sample(name: "s", data: [5])])
        Self.expectError(.invalidModel, path: "channels[0].samples[1].modifiers[0]", Self.workspace([a, b]))
    }

    @Test("a model spec without a workspace builds the same model")
    func modelSpec() throws {
        let ws = try ModelFixtures.load(Workspace.self, "model/example3.json")
        let fromSpec = try Model(channels: ws.channels, parameters: ws.measurements[0].config.parameters, poi: "mu")
        let fromWorkspace = try Model(workspace: ws)
        #expect(fromSpec.parameterNames == fromWorkspace.parameterNames)
        #expect(fromSpec.auxdata == fromWorkspace.auxdata)
        let data = try fromWorkspace.observedData(ws)
        #expect(fromSpec.logpdf(fromSpec.suggestedInit, data: data) == fromWorkspace.logpdf(fromWorkspace.suggestedInit, data: data))
        do {
            _ = try Model(channels: ws.channels, poi: "mu")
            Issue.record("lumi without configuration must fail")
        } catch let e as ModelError {
            #expect(e.path == "parameters")
        }
    }

    @Test("vector lengths and observations are checked")
    func evaluationChecks() throws {
        let c = Channel(name: "A", samples: [Sample(name: "s", data: [1, 2], modifiers: [Self.mu])])
        let model = try Model(workspace: Self.workspace([c]))
        #expect(throws: ModelError.self) { try model.validate(pars: [1, 2]) }
        #expect(throws: ModelError.self) { try model.validate(pars: [1], data: [1]) }
        try model.validate(pars: [1], data: [3, 4])
        let missing = Self.workspace([c], observations: [Observation(name: "B", data: [1, 2])])
        #expect(throws: ModelError.self) { try model.observedData(missing) }
        let short = Self.workspace([c], observations: [Observation(name: "A", data: [1])])
        #expect(throws: ModelError.self) { try model.observedData(short) }
    }

    @Test("reference Example 3: layout, σ, auxdata, logpdf and expected data at a point")
    func example3() throws {
        let ws = try ModelFixtures.load(Workspace.self, "model/example3.json")
        let model = try Model(workspace: ws)
        #expect(model.channels == ["CR", "SR"])
        #expect(model.samples == ["signal", "ttbar", "wjets"])
        #expect(
            model.parameterNames == [
                "shape", "lumi", "mu_ttbar", "mu", "jes", "sig_xsec", "wjets_stat[0]", "wjets_stat[1]", "staterror_CR[0]",
                "staterror_CR[1]", "staterror_SR[0]", "staterror_SR[1]",
            ])
        #expect(model.poiIndex == 3)
        #expect(model.auxdataOrder == ["shape", "lumi", "jes", "sig_xsec", "wjets_stat", "staterror_CR", "staterror_SR"])
        #expect(model.parameterSet(named: "staterror_CR")?.sigmas == [0.025, 0.02666666666666667])
        #expect(model.parameterSet(named: "staterror_SR")?.sigmas == [0.05590169943749475, 0.10015420209622192])
        let data = try model.observedData(ws)
        #expect(data == [210, 141, 38, 22, 0.0, 1.0, 0.0, 0.0, 11.11111111111111, 9.0, 1.0, 1.0, 1.0, 1.0])
        #expect(model.expectedData(model.suggestedInit) == [200, 150, 44, 20.5, 0, 1, 0, 0, 11.11111111111111, 9, 1, 1, 1, 1])
        #expect(relativeError(model.logpdf(model.suggestedInit, data: data), -8.134884338464698) < 1e-14)
        let pars = [-1.3, 1.01, 1.05, 0.7, 0.5, -0.4, 1.1, 0.9, 1.0, 1.0, 1.02, 0.97]
        #expect(relativeError(model.logpdf(pars, data: data), -10.964688738106247) < 1e-13)
        let expected = [
            211.60286281115313, 161.52641529783605, 45.897060410052376, 18.50898009980795, -1.3, 1.01, 0.5, -0.4,
            12.222222222222223, 8.1, 1.0, 1.0, 1.02, 0.97,
        ]
        for (a, b) in zip(model.expectedData(pars), expected) { #expect(abs(a - b) <= 1e-13 * max(1, abs(b))) }
    }

    @Test("reference Example 1 (shapesys τ square-then-divide) and worked logpdf values")
    func example1() throws {
        let c = Channel(name: "singlechannel", samples: [
            Sample(name: "signal", data: [12, 11], modifiers: [Self.mu]),
            Sample(name: "background", data: [50, 52], modifiers: [Modifier(name: "uncorr_bkguncrt", kind: .shapesys, data: .perBin([3, 7]))]),
        ])
        let ws = Self.workspace([c], observations: [Observation(name: "singlechannel", data: [51, 48])])
        let model = try Model(workspace: ws)
        #expect(model.auxdata == [277.77777777777777, 55.183673469387756])
        let data = try model.observedData(ws)
        #expect(relativeError(model.logpdf([1, 1, 1], data: data), -15.387627173157341) < 1e-14)
        #expect(relativeError(model.logpdf([0.5, 1.1, 0.9], data: data), -15.05009557083082) < 1e-14)
        let e = model.expectedData([0.5, 1.1, 0.9])
        for (a, b) in zip(e, [61.00000000000001, 52.300000000000004, 305.5555555555556, 49.66530612244898]) {
            #expect(abs(a - b) <= 1e-14 * b)
        }
    }
}
