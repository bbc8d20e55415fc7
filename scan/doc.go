// Package scan is candor's analyser: it opens an artifact, extracts facts and
// applies capability rules, returning findings with evidence a person can check.
//
// A [Scanner] (built with [New]) applies one rule set ([Builtin], or
// [LoadRules] with [WithRules]) and is safe for concurrent use. Entry points:
//   - [Scanner.Run] scans several paths, several at once, and returns one
//     [Report] with the artifacts in the order of the paths;
//   - [Scanner.ScanFile] scans one path: an executable, or an archive, package
//     or image;
//   - [Scanner.ScanBytes] and [Scanner.ScanReaderAt] scan an executable held
//     in memory or behind an [io.ReaderAt].
//
// Executables are ELF, PE and Mach-O (universal ones included). From Go
// programs the scanner reads the build info and the function table; from
// native programs their dynamic imports and needed libraries (for PE files
// imports by ordinal and delay-loaded DLLs too, for Mach-O weakly linked
// dylibs); from both the string literals of their data sections (URLs and
// hosts). Rules are data
// (rules/*.yaml, embedded); their digest is in every report.
//
// The code pass (Go programs for amd64 and arm64) reads the machine code of
// every function of the table (the decoders are package
// [github.com/candor-dev/candor/scan/code]) and builds a program: the exact
// string literals the code loads and the string headers of static data, which
// replace byte runs cut by guesswork (bytes nothing uses are still searched and
// reported [Unreferenced]); the call graph of direct and inlined calls
// (the inline trees), function values, itabs and package variables; and each
// function's [Reach] from main.main and the package initialisers, with the
// shortest call path, which every function and string [Evidence] carries with
// the module that owns its last frame outside the standard library. Rules use
// it ([RuleSpec] Reach and Code), hosts are judged by how the code uses them,
// and hosts that come only from one table become one endpoint.table finding
// ([Finding] Hosts, Table, Module). An image the pass cannot read is analysed
// as before and judged as if every function were reached.
//
// Archives, Debian packages and container images (see package
// [github.com/candor-dev/candor/scan/archive] for the formats, nesting and
// limits, set with [WithLimits]) are one [Artifact] each, the subject of an
// attestation, with no findings of their own: their executables are its
// Members, analysed in parallel ([WithWorkers]) and listed by path, each with
// its own digest and, for images, the layer that added it. A member that needs
// a shared library shipped in the same container gets that library's findings
// too, with the library chain as evidence. A member that looks like an
// executable but cannot be parsed gets an analysis.obfuscated finding (rule
// analysis.unreadable): it cannot be attested clean.
//
// Errors come in families tested with [errors.Is]: [ErrInput], [ErrUnsupported]
// and [ErrMalformed] (archive limits and broken archives are ErrMalformed and
// also match archive.ErrLimit or archive.ErrMalformed), and [ErrOptions] for an
// invalid [Option]. The cause stays in the chain: the error for a missing file
// also matches [io/fs.ErrNotExist]. [WithProgress] reports
// progress to a callback; the scanner never writes to a terminal itself.
package scan
