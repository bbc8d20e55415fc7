package scan

import (
	"os"
	"testing"
)

func TestProgramDebug(t *testing.T) {
	path := os.Getenv("CANDOR_DEBUG_BIN")
	if path == "" {
		t.Skip("CANDOR_DEBUG_BIN not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := openBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	im := bf.images[0]
	tab := findPclntab(im)
	p, err := newProgram(im, tab, &moduleIndex{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Reach]int{}
	for _, r := range p.reach {
		counts[r]++
	}
	t.Logf("nodes %d real %d edges %d calls %d strings %d addrs %d skipped %d reach %v", len(p.names), p.nreal, len(p.edges), len(p.refs.Calls), len(p.refs.Strings), len(p.refs.Addrs), p.refs.Skipped, counts)
	for _, n := range []string{"main.main", "net/http.(*Client).do", "os.StartProcess", "net/http.(*Server).Serve"} {
		if i, ok := p.byName[n]; ok {
			t.Logf("%s: %s %v calls=%d", n, p.reach[i], p.path(i), len(p.calls(i)))
		}
	}
}
