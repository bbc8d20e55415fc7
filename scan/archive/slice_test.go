package archive_test

import (
	"context"
	"testing"
	"unsafe"

	"github.com/candor-dev/candor/scan/archive"
)

// TestWalkMappedInPlace: in place, executables of uncompressed containers
// (a tar, a tar in a tar, an image's layer) are views of the input, not
// copies; compressed ones are not.
func TestWalkMappedInPlace(t *testing.T) {
	t.Parallel()
	elf := fakeELF("in-place")
	plain := mkTar(t, file{name: "bin/a", body: elf})
	cases := []struct {
		name    string
		input   []byte
		inPlace bool
	}{
		{"tar", plain, true},
		{"tar in a tar", mkTar(t, file{name: "inner.tar", body: plain}), true},
		{"docker save", mkTar(t, dockerSave(t, layers(t))...), true},
		{"tar.gz", gz(t, plain), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(c.input)))
			hi := lo + uintptr(len(c.input))
			n := 0
			_, err := archive.WalkMapped(context.Background(), c.input, nil, func(e *archive.Entry) error {
				if e.Kind != archive.Executable {
					return nil
				}
				n++
				if !c.inPlace {
					if e.Data != nil {
						t.Errorf("%s: Data set for a member that had to be decompressed", e.Path)
					}
					return nil
				}
				if len(e.Data) == 0 {
					t.Fatalf("%s: no Data", e.Path)
				}
				p := uintptr(unsafe.Pointer(unsafe.SliceData(e.Data)))
				if p < lo || p+uintptr(len(e.Data)) > hi {
					t.Errorf("%s: Data is a copy, not a view of the input", e.Path)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no executable visited")
			}
		})
	}
}
