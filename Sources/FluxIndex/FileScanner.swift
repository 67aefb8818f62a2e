import Foundation
import FluxIngest
#if canImport(Glibc)
import Glibc
#endif

/// Finds candidate video files under the paths a user gives (``scanReport(_:recursive:)``).
/// Whether a file really is a video is decided by probing it with the decoder, not by its
/// extension; the scan only sets aside what is never a video — hidden files and folders
/// (names starting with "."), system files such as Thumbs.db, FIFOs, devices and sockets —
/// and what cannot be used, each with its reason.
public enum FileScanner {
    static let systemNames: Set<String> = ["thumbs.db", "desktop.ini", "icon\r", "ehthumbs.db"]
}

/// Everything a scan met: the files to try, and every entry it did not take, with the reason.
public struct ScanReport: Sendable {
    /// Regular files (or links to them) with UTF-8 names, sorted by path, without duplicates:
    /// the files to probe with the decoder.
    public var candidates: [URL] = []
    /// Entries not taken, sorted by path, each with a reason a person can act on.
    public var skipped: [ScanSkip] = []
    /// Paths given that do not exist, as given.
    public var missing: [String] = []

    public init() {}
}

/// One entry a scan did not take.
public struct ScanSkip: Sendable, Equatable {
    /// Why an entry was not taken.
    public enum Kind: Sendable, Equatable {
        /// A name starting with "." (not looked into).
        case hidden
        /// A system file such as Thumbs.db or desktop.ini.
        case system
        /// Not a regular file: a FIFO, a device, a socket (never opened: that can block).
        case notRegular(FileKind)
        /// A folder that cannot be listed (permissions, I/O error).
        case unreadableFolder
        /// A symbolic link that leads back to itself or to a folder above it.
        case symlinkLoop
        /// A symbolic link whose target does not exist.
        case danglingLink
        /// A regular file whose name is not valid UTF-8. It can still be opened with
        /// `VideoDecoder(path: skip.fileSystemPath)`; ``ScanSkip/path`` shows bad bytes as `\xE9`.
        case badName
        /// A folder reached a second time through a symbolic link (its files are listed once).
        case alreadyScanned
        /// A subfolder of a folder scanned without recursion.
        case subfolder
        /// lstat/stat failed for another reason (the reason says which).
        case unreadable
    }

    /// The entry's path for people (``FileSystemPath/displayString``).
    public var path: String
    /// The entry exactly as the system names it.
    public var fileSystemPath: FileSystemPath
    public var kind: Kind
    /// A sentence saying what the entry is and why it was skipped.
    public var reason: String
}

extension FileScanner {
    /// Walks `paths` (files are taken as given, folders listed, recursively unless
    /// `recursive` is false) and accounts for every entry met: regular
    /// files become ``ScanReport/candidates``; hidden and system files, FIFOs, devices,
    /// sockets, unreadable folders, symbolic-link loops, dangling links, names that are not
    /// UTF-8 and folders reached twice are listed in ``ScanReport/skipped`` with a reason;
    /// paths that do not exist in ``ScanReport/missing``. Nothing is opened except folders
    /// (with `opendir`), so no entry can block the scan. Symbolic links to folders are
    /// followed, each folder (device + inode) at most once.
    public static func scanReport(_ paths: [String], recursive: Bool = true) -> ScanReport {
        var walker = Walker(recursive: recursive)
        for path in paths {
            if path.unicodeScalars.contains("\u{FFFD}"), case .failure = FileKind.of(FileSystemPath(path), followLinks: false) {
                walker.report.missing.append(path)
                walker.report.skipped.append(ScanSkip(path: path, fileSystemPath: FileSystemPath(path), kind: .badName,
                                                      reason: "the name holds U+FFFD: the file's real name is probably not UTF-8 and was replaced on the way in; pass it as raw bytes (FileScanner.scanReport(_: [FileSystemPath]))"))
                continue
            }
            walker.root(FileSystemPath(path), asGiven: path)
        }
        return walker.finish()
    }

    /// ``scanReport(_:recursive:)`` for paths given as raw bytes (e.g. from
    /// `CommandLine.unsafeArgv`), so that a name that is not UTF-8 can be named at all.
    public static func scanReport(_ paths: [FileSystemPath], recursive: Bool = true) -> ScanReport {
        var walker = Walker(recursive: recursive)
        for path in paths { walker.root(path, asGiven: path.displayString) }
        return walker.finish()
    }

    struct DevIno: Hashable { let dev: UInt64, ino: UInt64 }

    struct Walker {
        let recursive: Bool
        var report = ScanReport()
        var seenFiles = Set<String>()
        var visited = Set<DevIno>()

        init(recursive: Bool) { self.recursive = recursive }

        mutating func skip(_ p: FileSystemPath, _ kind: ScanSkip.Kind, _ reason: String) {
            report.skipped.append(ScanSkip(path: p.displayString, fileSystemPath: p, kind: kind, reason: reason))
        }

        mutating func finish() -> ScanReport {
            report.candidates.sort { $0.path < $1.path }
            report.skipped.sort { $0.fileSystemPath < $1.fileSystemPath }
            return report
        }

        mutating func root(_ p: FileSystemPath, asGiven: String) {
            guard case .success(let (linkKind, _)) = FileKind.of(p, followLinks: false) else {
                report.missing.append(asGiven)
                return
            }
            // A path named explicitly is taken even when hidden.
            entry(p, linkKind: linkKind, ancestors: [], explicit: true)
        }

        /// Classifies one entry (`linkKind` from lstat) and takes, skips or walks it.
        mutating func entry(_ p: FileSystemPath, linkKind: FileKind, ancestors: Set<DevIno>, explicit: Bool) {
            let isLink = linkKind == .symbolicLink
            var kind = linkKind
            var st = stat()
            switch FileKind.of(p, followLinks: true) {
            case .success(let (k, s)): kind = k; st = s
            case .failure(let error):
                switch error.code {
                case .ENOENT where isLink:
                    skip(p, .danglingLink, "a symbolic link to \(target(p)), which does not exist")
                case .ELOOP:
                    skip(p, .symlinkLoop, "a loop of symbolic links (\(target(p)) leads back to itself)")
                default:
                    skip(p, .unreadable, "cannot be examined: \(String(cString: strerror(error.code.rawValue)))")
                }
                return
            }
            switch kind {
            case .regular:
                guard let string = p.string else {
                    skip(p, .badName, "a file whose name is not valid UTF-8 (bad bytes shown as \\xHH); open it by its raw name (VideoDecoder(path:))")
                    return
                }
                let url = URL(fileURLWithPath: string).standardizedFileURL
                if seenFiles.insert(url.path).inserted { report.candidates.append(url) }
            case .directory:
                if !explicit && !recursive {
                    skip(p, .subfolder, "a folder; subfolders are scanned only with recursion on")
                    return
                }
                let id = DevIno(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
                if ancestors.contains(id) {
                    skip(p, .symlinkLoop, "a symbolic link to \(target(p)), a folder above it: following it would loop")
                    return
                }
                guard visited.insert(id).inserted else {
                    skip(p, .alreadyScanned, "a folder already scanned under another path\(isLink ? " (the link leads to \(target(p)))" : "")")
                    return
                }
                walk(p, ancestors: ancestors.union([id]))
            default:
                skip(p, .notRegular(kind), "\(kind.phrase)\(isLink ? " (through a symbolic link)" : ""), not a regular file; fluxsearch reads only regular files and never opens these (opening one can block)")
            }
        }

        /// The target a symbolic link names (readlink), for messages.
        func target(_ p: FileSystemPath) -> String {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = p.withCString { readlink($0, &buffer, buffer.count - 1) }
            guard n >= 0 else { return "its target" }
            return "'" + FileSystemPath(bytes: buffer[..<n].map { UInt8(bitPattern: $0) }).displayString + "'"
        }

        /// Lists folder `dir` with opendir/readdir (raw byte names) and classifies each entry.
        mutating func walk(_ dir: FileSystemPath, ancestors: Set<DevIno>) {
            guard let handle = dir.withCString({ opendir($0) }) else {
                let code = errno
                skip(dir, .unreadableFolder, "a folder that cannot be listed: \(String(cString: strerror(code))); check its permissions")
                return
            }
            var names: [[UInt8]] = []
            while let e = readdir(handle) {
                let name: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in
                    Array(raw.prefix(while: { $0 != 0 }))
                }
                if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
                names.append(name)
            }
            closedir(handle)
            for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let child = dir.appending(name)
                if name.first == UInt8(ascii: ".") {
                    skip(child, .hidden, "a hidden entry (name starts with '.'); hidden files and folders are not scanned")
                    continue
                }
                if let s = String(validating: name, as: UTF8.self), FileScanner.systemNames.contains(s.lowercased()) {
                    skip(child, .system, "a system file, never a video")
                    continue
                }
                guard case .success(let (linkKind, _)) = FileKind.of(child, followLinks: false) else {
                    skip(child, .unreadable, "vanished or cannot be examined while the folder was scanned")
                    continue
                }
                entry(child, linkKind: linkKind, ancestors: ancestors, explicit: false)
            }
        }
    }
}
