package scan

import (
	"encoding/binary"
	"slices"
	"testing"
)

func TestMethodName(t *testing.T) {
	for _, c := range []struct {
		name, method string
		ok           bool
	}{
		{"main.(*upgradeCmd).Run", "Run", true},
		{"main.versionCmd.Run", "Run", true},
		{"github.com/a/b.(*T).M", "M", true},
		{"github.com/a.b/c.T.M", "M", true}, // a dot in the path
		{"github.com/a/b.(*T[go.shape.int]).M", "M", true},
		{"github.com/a/b.T[go.shape.string].M", "M", true},
		{"main.main", "", false},
		{"github.com/a/b.F", "", false},
		{"github.com/a.b/c.F", "", false},
		{"main.", "", false},
		{"M", "", false},
		{"", "", false},
	} {
		m, ok := methodName(c.name)
		if m != c.method || ok != c.ok {
			t.Errorf("methodName(%q) = %q, %v; want %q, %v", c.name, m, ok, c.method, c.ok)
		}
	}
	if !sameMethod("main.(*T).Run", "main.T.Run") || sameMethod("main.(*T).Run", "main.(*T).Stop") || sameMethod("main.F", "main.F") {
		t.Error("sameMethod")
	}
}

// TestMethodEntries reads method records laid out as the linker writes them
// (abi.Method: name, type, Ifn, Tfn; 4 bytes each, Ifn and Tfn from
// runtime.text) among other words of type data.
func TestMethodEntries(t *testing.T) {
	const text = 0x401000
	names := []string{
		"internal/abi.(*Type).Kind", // at runtime.text: no method of ours
		"main.main",
		"main.(*cmd).Run",
		"main.cmd.Run",
		"main.(*cmd).Stop",
		"github.com/lib/x.(*Bar).Serve",
		"main.helper",
		"github.com/lib/x/sub.(*Z).Do", // a module nested in the main module's path
	}
	p := &program{order: binary.LittleEndian, ptrSize: 8, names: names, nreal: len(names)}
	for i := range names {
		p.entry = append(p.entry, text+uint64(i)*0x40)
	}
	p.index()
	off := func(i int) uint32 { return uint32(p.entry[i] - text) }
	var d []byte
	rec := func(ifn, tfn uint32) {
		d = binary.LittleEndian.AppendUint32(d, 0x1234) // name
		d = binary.LittleEndian.AppendUint32(d, 0x5678) // type
		d = binary.LittleEndian.AppendUint32(d, ifn)
		d = binary.LittleEndian.AppendUint32(d, tfn)
	}
	d = append(d, make([]byte, 4)...) // records need only 4-byte alignment
	rec(off(2), off(3))               // cmd's Run: the wrapper and the method
	rec(off(2), off(2))               // *cmd's Run
	rec(^uint32(0), ^uint32(0))       // a method the linker dropped
	rec(off(4), off(3))               // Stop and Run: no one method
	rec(off(5), off(5))               // another module's method
	rec(off(6), off(6))               // no method
	rec(off(1)+4, off(1)+4)           // not an entry
	rec(0, 0)                         // runtime.text
	rec(off(7), off(7))               // the nested module's method
	p.words = []*section{{name: ".go.type", addr: 0x800000, data: d}}
	inMain := p.inMainModule
	got := p.methodEntries(0x800000, 0x800000+uint64(len(d)), text, names, inMain)
	want := []int32{2, 3, 2}
	if !slices.Equal(got, want) {
		t.Errorf("methodEntries = %v; want %v", got, want)
	}
	// The range bounds the records read.
	if got := p.methodEntries(0x800000+20, 0x800000+uint64(len(d)), text, names, inMain); !slices.Equal(got, []int32{2}) {
		t.Errorf("methodEntries from the second record = %v; want [2]", got)
	}
	// With the module index, the main module's other packages count too.
	p.modules = &moduleIndex{main: "github.com/lib/x", mods: map[string]string{"github.com/lib/x": "github.com/lib/x@v1.0.0", "github.com/lib/x/sub": "github.com/lib/x/sub@v0.1.0"}}
	if got := p.methodEntries(0x800000, 0x800000+uint64(len(d)), text, names, inMain); !slices.Equal(got, []int32{2, 3, 2, 5}) {
		t.Errorf("methodEntries with github.com/lib/x the main module = %v; want [2 3 2 5]", got)
	}
}
