import CYaml

/// The structure of a YAML text checked with libyaml's event parser (which keeps its own stacks)
/// before Yams builds and decodes the document recursively: the nesting depth is bounded, so
/// `[[[[…` cannot overflow the stack, and aliases are refused, so a few bytes of `*a` references
/// cannot expand into billions of nodes.
enum YAMLShape {
    /// The deepest nesting of sequences and mappings accepted (configs need about 6).
    static let maximumDepth = 64

    /// - Throws: ``ConfigError`` for nesting past ``maximumDepth`` or an alias, with the line;
    ///   YAML syntax errors are left to Yams, which reports them with their context.
    static func check(_ text: String, file: String?) throws(ConfigError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(ConfigError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let line = event.start_mark.line + 1
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    guard depth <= maximumDepth else {
                        throw ConfigError(
                            file: file, path: "", message: "line \(line): nested deeper than \(maximumDepth) levels")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_ALIAS_EVENT:
                    throw ConfigError(
                        file: file, path: "", message: "line \(line): YAML aliases (*name) are not supported in analysis configs")
                case YAML_STREAM_END_EVENT:
                    return
                default:
                    break
                }
            }
        }
    }
}
