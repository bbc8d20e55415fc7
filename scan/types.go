package scan

// Capability is a stable capability id such as "network.listen".
type Capability string

// The capabilities candor reports. Their ids are part of the attestation format.
const (
	NetworkListen    Capability = "network.listen"
	NetworkConnect   Capability = "network.connect"
	NetworkEndpoint  Capability = "network.endpoint"
	RemoteAdmin      Capability = "remote.admin"
	RemoteTunnel     Capability = "remote.tunnel"
	ProcessExec      Capability = "process.exec"
	CodeDynamic      Capability = "code.dynamic"
	TelemetrySDK     Capability = "telemetry.sdk"
	UpdateSelf       Capability = "update.self"
	UpdateCheck      Capability = "update.check"
	UpdateFetchExec  Capability = "update.fetch-exec"
	AnalysisObscured Capability = "analysis.obfuscated"
)

// Commitment is one of the three promises an attestation makes.
type Commitment string

// The commitments. [CommitmentAll] marks findings that defeat every commitment
// (an obfuscated or packed binary cannot be attested clean).
const (
	CommitmentRemoteControl Commitment = "remote-control"
	CommitmentExfiltration  Commitment = "exfiltration"
	CommitmentForcedUpgrade Commitment = "forced-upgrade"
	CommitmentAll           Commitment = "all"
)

// Capabilities lists every capability with the commitment it belongs to, in report order.
var Capabilities = []struct {
	ID         Capability
	Commitment Commitment
}{
	{NetworkListen, CommitmentRemoteControl},
	{RemoteAdmin, CommitmentRemoteControl},
	{RemoteTunnel, CommitmentRemoteControl},
	{ProcessExec, CommitmentRemoteControl},
	{CodeDynamic, CommitmentRemoteControl},
	{NetworkConnect, CommitmentExfiltration},
	{NetworkEndpoint, CommitmentExfiltration},
	{TelemetrySDK, CommitmentExfiltration},
	{UpdateSelf, CommitmentForcedUpgrade},
	{UpdateCheck, CommitmentForcedUpgrade},
	{UpdateFetchExec, CommitmentForcedUpgrade},
	{AnalysisObscured, CommitmentAll},
}

// CommitmentOf returns the commitment a capability belongs to, and false for an unknown id.
func CommitmentOf(c Capability) (Commitment, bool) {
	for _, e := range Capabilities {
		if e.ID == c {
			return e.Commitment, true
		}
	}
	return "", false
}

// Confidence says how sure a finding is.
type Confidence string

const (
	// Linked: the code that has the capability is in the binary.
	Linked Confidence = "linked"
	// Referenced: only a string refers to it, and code or a string header in
	// static data uses that string.
	Referenced Confidence = "referenced"
	// Unreferenced: only a byte run in a data section refers to it, which no
	// code the pass reads and no string header uses. Lower confidence: the
	// bytes may be part of a longer literal, a table the pass does not read, or
	// dead data.
	Unreferenced Confidence = "unreferenced"
)

// EvidenceKind says what kind of fact an [Evidence] is.
type EvidenceKind string

// Evidence kinds.
const (
	EvidenceFunction EvidenceKind = "function" // a function name from the pclntab (inlined ones included)
	EvidenceModule   EvidenceKind = "module"   // a module path@version from the build info
	EvidencePackage  EvidenceKind = "package"  // a package path derived from function names
	EvidenceString   EvidenceKind = "string"   // a string literal in a data section
	EvidenceImport   EvidenceKind = "import"   // a dynamically imported symbol or needed library
	EvidenceFormat   EvidenceKind = "format"   // a property of the file format (packer sections, missing tables)
)

// Evidence is one fact a person can check: what was found and where.
type Evidence struct {
	Kind  EvidenceKind `json:"kind"`
	Value string       `json:"value"`
	// Where locates the fact: a section and file offset, "buildinfo", or "dynamic imports".
	Where string `json:"where"`
	// Reach says how the code pass reaches the function (for a string: the
	// function whose code loads it) from the program's entry points.
	Reach Reach `json:"reach,omitempty"`
	// Path is the shortest call path the pass found from an entry point to the
	// function (for a string, to the function that loads it), entry first.
	Path []string `json:"path,omitempty"`
	// Module is the module (path@version) that owns the path's last frame
	// outside the standard library: the code that brings the capability in.
	Module string `json:"module,omitempty"`
	// ReferencedBy lists the functions whose code loads a string, and
	// "static data" when a string header in static data holds it.
	ReferencedBy []string `json:"referencedBy,omitempty"`
}

// Finding is one capability found in an artifact, with its evidence.
type Finding struct {
	Rule       string     `json:"rule"`
	Capability Capability `json:"capability"`
	Commitment Commitment `json:"commitment"`
	Confidence Confidence `json:"confidence"`
	// Host is set for network.endpoint findings: one finding per remote host.
	Host string `json:"host,omitempty"`
	// Hosts lists every host of an endpoint table finding (rule endpoint.table):
	// hosts that come only from one static table of one package.
	Hosts []string `json:"hosts,omitempty"`
	// Table names an endpoint table's owner: the function that builds it or the
	// package whose static data holds it.
	Table string `json:"table,omitempty"`
	// Module is the module that owns the finding's code: for an endpoint table,
	// the table's; otherwise the owner of its best-reached evidence.
	Module string `json:"module,omitempty"`
	// Reach is the best reach among the finding's evidence (empty when the code
	// pass did not run, as for native binaries).
	Reach    Reach      `json:"reach,omitempty"`
	Evidence []Evidence `json:"evidence"`
	// EvidenceTotal counts all evidence items; Evidence holds every one of them.
	EvidenceTotal int    `json:"evidenceTotal"`
	Summary       string `json:"summary"`
}

// Module is a Go module recorded in the build info.
type Module struct {
	Path    string  `json:"path"`
	Version string  `json:"version,omitempty"`
	Sum     string  `json:"sum,omitempty"`
	Replace *Module `json:"replace,omitempty"`
}

// Setting is one Go build setting (-ldflags, GOOS, vcs.revision...).
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Artifact is everything the analyser learned about one file.
type Artifact struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512,omitempty"`
	// Format is elf, pe, macho or macho-universal for an executable; for a
	// container: tar, tar+gzip (+bzip2, +xz, +zstd), zip, deb, gzip (one
	// compressed executable), docker-archive or oci-archive (each possibly
	// compressed, as docker-archive+gzip), or oci-image for an OCI layout
	// directory, whose SHA256 is then that of its index.json; "unknown" for a
	// member that looks like an executable but cannot be parsed.
	Format string `json:"format"`
	OS     string `json:"os,omitempty"`
	// Arch uses GOARCH names; a universal Mach-O lists its slices joined with "+".
	Arch string `json:"arch"`
	// GoVersion is empty for a binary that is not a Go program.
	GoVersion     string    `json:"goVersion,omitempty"`
	MainModule    *Module   `json:"mainModule,omitempty"`
	Modules       []Module  `json:"modules"`
	BuildSettings []Setting `json:"buildSettings,omitempty"`
	// Functions counts the names in the function table, inlined ones included.
	Functions int `json:"functions"`
	// Packages counts the distinct packages those names belong to.
	Packages int `json:"packages"`
	// Libraries lists needed shared libraries of a dynamically linked binary.
	Libraries []string  `json:"libraries,omitempty"`
	Findings  []Finding `json:"findings"`
	// Members holds the executables inside an archive, package or image, each with
	// its path inside the container (nested containers joined with "!/"); the
	// archive itself stays the artifact (and an attestation's subject).
	Members []Artifact `json:"members,omitempty"`
	// Layer names the image layer (its digest) that added this member.
	Layer string `json:"layer,omitempty"`
}

// Analyzer names the analyser and the rules that produced a report.
type Analyzer struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	RulesVersion string `json:"rulesVersion"`
	// RulesDigest is "sha256:<hex>" over the embedded rule files, in a fixed order.
	RulesDigest string `json:"rulesDigest"`
}

// Report is the result of scanning one or more artifacts.
type Report struct {
	Analyzer  Analyzer   `json:"analyzer"`
	Artifacts []Artifact `json:"artifacts"`
}
