package inspect

import (
	"os"
	"slices"
	"testing"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadSPDX(t *testing.T) {
	a := &Attestation{}
	readPredicate(a, SPDXDocument+"/v2.3", read(t, "spdx.json"))
	if a.Error != "" || a.Kind != KindSBOM {
		t.Fatalf("kind %s error %s", a.Kind, a.Error)
	}
	s := a.SBOM
	want := []Module{{"example.com/agent", "(devel)"}, {"github.com/spf13/cobra", "v1.8.0"}, {"golang.org/x/net", "v0.30.0"}}
	if s.Format != "SPDX-2.3" || len(s.Components) != 4 || !slices.Equal(s.GoModules, want) {
		t.Errorf("sbom %+v", s)
	}
}

func TestReadProvenanceV02(t *testing.T) {
	a := &Attestation{}
	readPredicate(a, ProvenanceV02, read(t, "provenance-v02.json"))
	p := a.Provenance
	if a.Error != "" || p.Version != "v0.2" || p.SourceCommit != "0123456789abcdef0123456789abcdef01234567" ||
		p.SourceRepo != "git+https://github.com/acme/agent@refs/tags/v1.0.0" || len(p.Dependencies) != 2 || p.BuildType == "" {
		t.Errorf("provenance %+v (error %s)", p, a.Error)
	}
}

func TestReadOpenVEX(t *testing.T) {
	a := &Attestation{}
	readPredicate(a, OpenVEX, read(t, "openvex.json"))
	v := a.VEX
	if a.Error != "" || len(v.Statements) != 2 || v.Statements[0].Vulnerability != "CVE-2023-44487" ||
		v.Statements[0].Products[0] != "pkg:golang/example.com/agent@v1.0.0" || v.Statements[1].Vulnerability != "GHSA-xxxx-yyyy-zzzz" || v.Statements[1].Status != "fixed" {
		t.Errorf("vex %+v (error %s)", v, a.Error)
	}
}

func TestReadersRefuse(t *testing.T) {
	for _, tc := range []struct{ pt, pred string }{
		{CycloneDXBOM, `{"bomFormat":"CycloneDX","specVersion":"1.2","components":[]}`},
		{CycloneDXBOM, `{"bomFormat":"SPDX","specVersion":"1.5"}`},
		{SPDXDocument, `{"spdxVersion":"SPDX-3.0"}`},
		{ProvenanceV1, `{"buildDefinition":{"buildType":"x"}}`},
		{ProvenanceV1, `{"buildDefinition":{"buildType":7}}`},
		{SummaryV1, `{"verifier":{}}`},
		{OpenVEX, `{"@context":"https://example.com"}`},
		{ProvenanceV1, `[]`},
	} {
		a := &Attestation{}
		readPredicate(a, tc.pt, []byte(tc.pred))
		if a.Error == "" {
			t.Errorf("%s %s: read without error", tc.pt, tc.pred)
		}
	}
}

func TestGoModule(t *testing.T) {
	for purl, want := range map[string]Module{
		"pkg:golang/github.com/a/b@v1.2.3":               {"github.com/a/b", "v1.2.3"},
		"pkg:golang/github.com%2Fa/b@v1.2.3?type=module": {"github.com/a/b", "v1.2.3"},
		"pkg:golang/stdlib@go1.22.1#src":                 {"stdlib", "go1.22.1"},
	} {
		if got, ok := goModule(purl); !ok || got != want {
			t.Errorf("%s: %+v %v", purl, got, ok)
		}
	}
	for _, purl := range []string{"pkg:npm/x@1", "pkg:golang/@v1", "pkg:golang/%zz@v1"} {
		if _, ok := goModule(purl); ok {
			t.Errorf("%s read as a Go module", purl)
		}
	}
}

func TestReadLink(t *testing.T) {
	a := &Attestation{}
	readPredicate(a, LinkV03, []byte(`{"name":"build","command":["go","build","./cmd/agent"],"materials":[{"uri":"main.go","digest":{"sha256":"ab"}}],"byproducts":{"stdout":""}}`))
	l := a.Link
	if a.Error != "" || a.Kind != KindLink || l.Name != "build" || len(l.Command) != 3 || l.Materials[0].URI != "main.go" {
		t.Errorf("link %+v (error %s)", l, a.Error)
	}
}
