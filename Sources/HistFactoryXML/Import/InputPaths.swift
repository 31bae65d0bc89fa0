import Foundation

/// Where the files an XML configuration names are looked for, and which of them may be read.
///
/// As in pyhf, a path from the XML is first rewritten by the first matching mount (`-v HOST:XML`:
/// a path at or under `XML` moves under `HOST`) and then taken relative to the base folder
/// (absolute paths stay absolute). Unlike pyhf, the result must lie inside the base folder or a
/// mount's host folder: a configuration cannot make HEPKit read `/etc/...` or `../../elsewhere`.
/// The check is on the normalised path text (`.` and `..` resolved); symbolic links inside the
/// allowed folders are followed, as the user placed them there.
public struct InputPaths: Sendable {
    /// A `-v/--mount HOST:XML` pair.
    public struct Mount: Sendable, Equatable {
        public var host: String
        public var xmlPath: String
        public init(host: String, xmlPath: String) {
            self.host = host
            self.xmlPath = xmlPath
        }

        /// Parses `HOST:XML` as pyhf's `VolumeMountPath` does (exactly one colon, two non-empty fields).
        public init(parsing text: String) throws(XMLImportError) {
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw XMLImportError(file: text, reason: "\(text) is not a valid colon-separated option")
            }
            self.init(host: String(fields[0]), xmlPath: String(fields[1]))
        }
    }

    /// The base folder, absolute and normalised.
    public let basedir: String
    /// Mounts with absolute, normalised host folders.
    public let mounts: [Mount]

    public init(basedir: String, mounts: [Mount] = []) {
        self.basedir = Self.absolute(basedir)
        self.mounts = mounts.map { Mount(host: Self.absolute($0.host), xmlPath: $0.xmlPath) }
    }

    /// The file to read for `name` as written in the XML, or an error when it lies outside the
    /// allowed folders.
    public func resolve(_ name: String) throws(XMLImportError) -> String {
        var components = Self.components(name)
        let isAbsolute = name.hasPrefix("/")
        var resolved: String?
        for mount in mounts {
            let mountComponents = Self.components(mount.xmlPath)
            if mount.xmlPath.hasPrefix("/") == isAbsolute, components.starts(with: mountComponents) {
                components.removeFirst(mountComponents.count)
                resolved = Self.normalised(([Substring(mount.host)] + components).joined(separator: "/"))
                break
            }
        }
        let path = resolved ?? (isAbsolute ? Self.normalised(name) : Self.normalised(basedir + "/" + name))
        let allowed = [basedir] + mounts.map(\.host)
        guard allowed.contains(where: { path == $0 || path.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
            throw XMLImportError(
                file: name,
                reason: "the path leaves the base folder \(basedir) (give --basedir, or -v HOST:PATH to map it)")
        }
        return path
    }

    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }

    static func absolute(_ path: String) -> String {
        normalised(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// `path` (absolute) with `.`, `..` and repeated slashes resolved lexically; `..` at the root stays at the root.
    static func normalised(_ path: String) -> String {
        var result: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." {
                _ = result.popLast()
            } else {
                result.append(component)
            }
        }
        return "/" + result.joined(separator: "/")
    }
}
