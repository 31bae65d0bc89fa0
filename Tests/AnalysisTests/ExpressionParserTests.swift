import Testing
@testable import Analysis

@Suite struct ExpressionParserTests {
    let environment = ExpressionEnvironment(
        branches: ["met": .scalar, "njet": .scalar, "jet_pt": .jagged, "jet_eta": .jagged, "Jet.phi": .jagged],
        parameters: ["cut_met", "edge1"])

    func syntaxError(_ source: String) -> ExpressionError? {
        do {
            _ = try Expression.parse(source)
            return nil
        } catch {
            return error
        }
    }

    func compileError(_ source: String, expecting kind: ExpressionType.Kind? = nil) -> ExpressionError? {
        do {
            _ = try CompiledExpression(source, environment: environment, expecting: kind)
            return nil
        } catch {
            return error
        }
    }

    @Test func precedenceAndAssociativity() throws {
        let e = try Expression.parse("1 - 2 - 3 * 4 / 2")
        // ((1 - 2) - ((3 * 4) / 2))
        guard case .binary(.subtract, let lhs, let rhs) = e.node,
              case .binary(.subtract, _, _) = lhs.node,
              case .binary(.divide, let product, _) = rhs.node,
              case .binary(.multiply, _, _) = product.node
        else {
            Issue.record("wrong tree: \(e)")
            return
        }
        let logic = try Expression.parse("a > 1 || b < 2 && !c")
        guard case .binary(.or, _, let right) = logic.node, case .binary(.and, _, let not) = right.node,
              case .unary(.not, _) = not.node
        else {
            Issue.record("wrong tree: \(logic)")
            return
        }
    }

    @Test func numbersNamesAndSpans() throws {
        for (text, value) in [("1e3", 1000.0), (".5", 0.5), ("2.5E-1", 0.25), ("42", 42)] {
            #expect(try Expression.parse(text).node == .number(value))
        }
        let e = try Expression.parse("  Jet.phi[2] ")
        #expect(e.node == .index(Expression(.name("Jet.phi"), span: 2..<9), 2))
        #expect(e.span == 2..<12)
    }

    @Test(arguments: [
        ("met > ", 7, "expected a number, a name or '(', found end of expression"),
        ("met >> 3", 6, "expected a number, a name or '(', found '>'"),
        ("(met > 3", 9, "expected ')' to close '(' at column 1, found end of expression"),
        ("met = 3", 5, "unexpected character '=' (did you mean '=='?)"),
        ("met > 3 & njet > 2", 9, "unexpected character '&' (did you mean '&&'?)"),
        ("1 < met < 3", 9, "comparisons cannot be chained; combine them with '&&'"),
        ("jet_pt[1.5]", 8, "an index must be a non-negative integer literal, found '1.5'"),
        ("jet_pt[0", 9, "expected ']' to close '[' at column 7, found end of expression"),
        ("3abc + 1", 1, "malformed number '3abc'"),
        ("met > 3 4", 9, "unexpected '4' after a complete expression"),
        ("max(met, )", 10, "expected a number, a name or '(', found ')'"),
    ])
    func syntaxErrorsCarryTheirColumn(source: String, column: Int, message: String) {
        let error = syntaxError(source)
        #expect(error?.kind == .syntax)
        #expect(error?.column == column)
        #expect(error?.message == message)
        #expect(error?.description.hasPrefix("expression '\(source)', column \(column)") == true)
    }

    @Test(arguments: [
        ("met && njet > 2", "met", "'&&' needs booleans (comparisons, &&, ||, !, any, all), but this is a number"),
        ("abs(jet_pt > 3) > 1", "jet_pt > 3", "abs needs numbers, but this is a jagged array of booleans"),
        ("len(met) > 1", "met", "len reduces a jagged array, but this is a number"),
        ("met[0] > 1", "met", "only a jagged array can be indexed, but this is a number"),
        ("any(jet_pt) ", "jet_pt", "any needs booleans (comparisons, &&, ||, !, any, all), but this is a jagged array of numbers"),
        ("-(met > 1)", "(met > 1)", "'-' needs numbers, but this is a boolean"),
        ("min(jet_pt, 1, 2) > 0", "min(jet_pt, 1, 2)", "min takes 1 or 2 arguments, got 3"),
        ("at(jet_pt, njet, 0) > 1", "njet", "at's second argument must be a non-negative integer literal"),
        ("jet_pt > 30", "jet_pt > 30", "the expression gives a jagged array of booleans; reduce it to one value per event with any, all, sum, len, min, max or an index like x[0]"),
    ])
    func typeErrorsNameTheOffendingPart(source: String, part: String, message: String) {
        let error = compileError(source)
        #expect(error?.kind == .type)
        #expect(error?.excerpt == part)
        #expect(error?.message == message)
    }

    @Test func resultKindIsChecked() {
        #expect(compileError("met * 2", expecting: .boolean)?.message
                == "a selection must be a boolean (e.g. a comparison), but this is a number")
        #expect(compileError("met > 2", expecting: .number)?.message == "expected a number, but this is a boolean")
        #expect(compileError("met > cut_met", expecting: .boolean) == nil)
    }

    @Test func unknownNamesAreReportedWithSuggestions() {
        let branch = compileError("mett > cut_met")
        #expect(branch?.kind == .unknownName)
        #expect(branch?.column == 1)
        #expect(branch?.message == "unknown branch or parameter 'mett' (did you mean 'met'?)")
        let parameter = compileError("met > cut_mte")
        #expect(parameter?.message == "unknown branch or parameter 'cut_mte' (did you mean 'cut_met'?)")
        #expect(parameter?.column == 7)
        #expect(compileError("met > zzz")?.message == "unknown branch or parameter 'zzz'")
        let function = compileError("sqr(met) > 1")
        #expect(function?.message == "unknown function 'sqr' (did you mean 'sqrt'?)")
        #expect(function?.excerpt == "sqr")
        let clash = ExpressionEnvironment(branches: ["met": .scalar], parameters: ["met"])
        #expect(throws: ExpressionError.self) { try CompiledExpression("met > 1", environment: clash) }
    }

    @Test func referencedNamesAreListed() throws {
        let e = try CompiledExpression("met > cut_met && sum(jet_pt * jet_eta) > edge1", environment: environment)
        #expect(e.branches == ["jet_eta", "jet_pt", "met"])
        #expect(e.parameters == ["cut_met", "edge1"])
        #expect(e.type == .boolean)
    }
}
