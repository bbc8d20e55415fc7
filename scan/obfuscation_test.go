package scan

import (
	"context"
	"debug/elf"
	"testing"
)

func TestObfuscation(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	hashed := []string{"main.main", "runtime.main", "Lb2xFq.Xk9", "QzT0aB.(*Ty7).M", "Wc3RtU.Fn", "Zx8Qw_.G", "Ab1CdE.H", "Pq2RsT.init"}
	plain := []string{"main.main", "runtime.main", "config.Load", "server.(*S).Run", "util.Trim", "cache.Get", "store.Put"}
	tests := []struct {
		name string
		secs []testSection
		want bool
	}{
		{"hashed package names, no build info", []testSection{{".gopclntab", elf.SHF_ALLOC, buildPclntab(hashed, nil)}}, true},
		{"local package names, no build info", []testSection{{".gopclntab", elf.SHF_ALLOC, buildPclntab(plain, nil)}}, false},
		{"UPX sections", []testSection{{"UPX0", elf.SHF_ALLOC | elf.SHF_EXECINSTR, []byte{0}}, {"UPX1", elf.SHF_ALLOC | elf.SHF_EXECINSTR, []byte("UPX!")}}, true},
		{"plain native binary", []testSection{{".text", elf.SHF_ALLOC | elf.SHF_EXECINSTR, []byte{0xc3}}, {".rodata", elf.SHF_ALLOC, []byte("hello\x00")}}, false},
	}
	for _, tt := range tests {
		a, err := s.ScanBytes(context.Background(), tt.name, buildELF(elf.EM_X86_64, tt.secs))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := false
		for _, f := range a.Findings {
			if f.Capability == AnalysisObscured {
				got = true
				if f.Commitment != CommitmentAll || len(f.Evidence) == 0 {
					t.Errorf("%s: finding %+v", tt.name, f)
				}
			}
		}
		if got != tt.want {
			t.Errorf("%s: obfuscated = %v, want %v (findings %+v)", tt.name, got, tt.want, a.Findings)
		}
	}
}
