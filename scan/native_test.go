package scan_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// buildC compiles testdata/native sources with the local C compiler, skipping
// the test when there is none. It returns the output paths by name.
func buildC(t *testing.T) map[string]string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		if cc, err = exec.LookPath("cc"); err != nil {
			t.Skip("no C compiler (gcc or cc) to build the native fixtures")
		}
	}
	dir := t.TempDir()
	src := func(n string) string { return filepath.Join("testdata", "native", n) }
	out := map[string]string{}
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(cc, args...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, b)
		}
		out[name] = args[slices.Index(args, "-o")+1]
	}
	for _, p := range []string{"server", "client", "spawn"} {
		run(p, "-O1", "-o", filepath.Join(dir, p), src(p+".c"), "-ldl")
	}
	run("libnet.so.1", "-O1", "-shared", "-fPIC", "-Wl,-soname,libnet.so.1", "-o", filepath.Join(dir, "libnet.so.1.0"), src("libnet.c"))
	run("usesnet", "-O1", "-o", filepath.Join(dir, "usesnet"), src("usesnet.c"), filepath.Join(dir, "libnet.so.1.0"))
	run("server-stripped", "-O1", "-s", "-o", filepath.Join(dir, "server-stripped"), src("server.c"))
	return out
}

func capSet(a *scan.Artifact) []string {
	var out []string
	for _, f := range a.Findings {
		if f.Capability != scan.NetworkEndpoint && !slices.Contains(out, string(f.Capability)) {
			out = append(out, string(f.Capability))
		}
	}
	slices.Sort(out)
	return out
}

// TestNativeELF scans C programs built during the test: each reports exactly
// the capabilities its imports give it.
func TestNativeELF(t *testing.T) {
	bins := buildC(t)
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		bin  string
		want []string
	}{
		{"server", []string{"network.listen"}},
		{"server-stripped", []string{"network.listen"}},
		{"client", []string{"network.connect"}},
		{"spawn", []string{"code.dynamic", "process.exec"}},
		{"libnet.so.1", []string{"network.connect"}},
		// Alone, usesnet imports only net_dial: nothing tells what the library does.
		{"usesnet", nil},
	}
	for _, tc := range tests {
		t.Run(tc.bin, func(t *testing.T) {
			a, err := s.ScanFile(t.Context(), bins[tc.bin])
			if err != nil {
				t.Fatal(err)
			}
			if got := capSet(a); !slices.Equal(got, tc.want) {
				t.Errorf("capabilities %v, want %v", got, tc.want)
			}
		})
	}
}

// TestShippedLibrary: in an archive that ships libnet.so.1 beside usesnet,
// usesnet gets the library's network.connect, with the chain as evidence,
// found through the soname and a symbolic link.
func TestShippedLibrary(t *testing.T) {
	bins := buildC(t)
	read := func(n string) []byte {
		b, err := os.ReadFile(bins[n])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(h *tar.Header, body []byte) {
		h.Size = int64(len(body))
		h.Mode = 0o755
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	add(&tar.Header{Name: "app/bin/usesnet", Typeflag: tar.TypeReg}, read("usesnet"))
	add(&tar.Header{Name: "app/lib/libnet.so.1.0", Typeflag: tar.TypeReg}, read("libnet.so.1"))
	add(&tar.Header{Name: "app/lib/libnet.so", Typeflag: tar.TypeSymlink, Linkname: "libnet.so.1.0"}, nil)
	add(&tar.Header{Name: "app/bin/server", Typeflag: tar.TypeReg}, read("server"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.tgz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanFile(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Format != "tar+gzip" || len(a.Members) != 3 || len(a.Findings) != 0 {
		t.Fatalf("format %s, %d members, %d findings of its own", a.Format, len(a.Members), len(a.Findings))
	}
	var names []string
	for _, m := range a.Members {
		names = append(names, m.Path)
	}
	if want := []string{"app/bin/server", "app/bin/usesnet", "app/lib/libnet.so.1.0"}; !slices.Equal(names, want) {
		t.Errorf("members %v, want %v (sorted by path)", names, want)
	}
	use := a.Members[1]
	if got := capSet(&use); !slices.Equal(got, []string{"network.connect"}) {
		t.Fatalf("usesnet capabilities %v, want [network.connect] from libnet.so.1", got)
	}
	ev := use.Findings[0].Evidence[0]
	if ev.Value != "libnet.so.1" || !strings.Contains(ev.Where, "app/lib/libnet.so.1.0") {
		t.Errorf("evidence %+v, want the needed library and where it ships", ev)
	}
	if got := capSet(&a.Members[0]); !slices.Equal(got, []string{"network.listen"}) {
		t.Errorf("server capabilities %v", got)
	}
}
