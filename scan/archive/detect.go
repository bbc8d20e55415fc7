package archive

import (
	"bytes"
	"encoding/binary"
)

// kind is what the first bytes of a stream say it is.
type kind int

const (
	kindOther kind = iota
	kindExec
	kindTar
	kindZip
	kindDeb
	kindGzip
	kindBzip2
	kindXz
	kindZstd
)

// sniffLen is how many leading bytes detection looks at: a tar header is 512
// bytes, and a PE header usually starts within the first few hundred.
const sniffLen = 4096

// compressionName names the compression kinds in formats ("tar+gzip").
var compressionName = map[kind]string{kindGzip: "gzip", kindBzip2: "bzip2", kindXz: "xz", kindZstd: "zstd"}

// detect classifies head, the first bytes of a stream (up to sniffLen).
func detect(head []byte) kind {
	switch {
	case isExecutable(head):
		return kindExec
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return kindGzip
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) >= 4 && head[3] >= '1' && head[3] <= '9':
		return kindBzip2
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return kindXz
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return kindZstd
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, []byte("!<arch>\ndebian-binary")):
		return kindDeb
	case isTar(head):
		return kindTar
	}
	return kindOther
}

// isTar checks a tar header's magic and checksum.
func isTar(h []byte) bool {
	if len(h) < 512 {
		return false
	}
	magic := h[257:265]
	if !bytes.HasPrefix(magic, []byte("ustar")) && !bytes.Equal(magic, []byte("ustar  \x00")) {
		// Old V7 tars have no magic; accept them when the checksum holds.
		if !bytes.Equal(magic, make([]byte, 8)) {
			return false
		}
	}
	var sum int64
	for i, c := range h[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	field := bytes.TrimRight(bytes.TrimLeft(h[148:156], " \x00"), " \x00")
	var want int64
	if len(field) == 0 {
		return false
	}
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	return sum == want
}

// IsExecutable reports whether head, the first bytes of a file, starts an
// executable candor scans: an ELF executable or shared object, a PE image or
// a Mach-O file (universal ones included). ELF relocatable objects and core
// files are not executables.
func IsExecutable(head []byte) bool { return isExecutable(head) }

func isExecutable(h []byte) bool {
	switch {
	case len(h) >= 18 && bytes.HasPrefix(h, []byte("\x7fELF")):
		var t uint16
		switch h[5] {
		case 1:
			t = binary.LittleEndian.Uint16(h[16:])
		case 2:
			t = binary.BigEndian.Uint16(h[16:])
		default:
			return false
		}
		const etExec, etDyn = 2, 3
		return t == etExec || t == etDyn
	case len(h) >= 64 && bytes.HasPrefix(h, []byte("MZ")):
		off := int64(binary.LittleEndian.Uint32(h[0x3c:]))
		if off+4 <= int64(len(h)) {
			return bytes.Equal(h[off:off+4], []byte("PE\x00\x00"))
		}
		return off < 1<<20 // the PE header lies past what was sniffed; let the parser decide
	case len(h) >= 8 && bytes.HasPrefix(h, []byte{0xca, 0xfe, 0xba, 0xbe}):
		// Also the Java class magic: a universal header has a small slice count there.
		n := binary.BigEndian.Uint32(h[4:])
		return n > 0 && n < 40
	case len(h) >= 4:
		le, be := binary.LittleEndian.Uint32(h), binary.BigEndian.Uint32(h)
		for _, m := range []uint32{0xfeedface, 0xfeedfacf} {
			if le == m || be == m {
				return true
			}
		}
	}
	return false
}

// Format names the container format head starts, as a walk would report it
// at the top level before looking inside ("tar", "zip", "deb", "gzip"...),
// or "" when head starts none.
func Format(head []byte) string {
	switch k := detect(head); k {
	case kindTar:
		return "tar"
	case kindZip:
		return "zip"
	case kindDeb:
		return "deb"
	case kindGzip, kindBzip2, kindXz, kindZstd:
		return compressionName[k]
	}
	return ""
}
