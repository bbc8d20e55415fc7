package archive_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan/archive"
)

// TestFormats walks every format and nesting and checks the reported
// executables (with their paths inside the archive) and the format name.
func TestFormats(t *testing.T) {
	t.Parallel()
	tarball := func(t testing.TB) []byte {
		return mkTar(t,
			file{name: "app/", dir: true},
			file{name: "app/bin/tool", body: fakeELF("tool")},
			file{name: "app/README", body: []byte("hello")},
			file{name: "app/lib/libx.so.1", body: fakeELF("lib")},
			file{name: "app/lib/libx.so", link: "libx.so.1"},
		)
	}
	const plain = "app/bin/tool app/lib/libx.so.1"
	tests := []struct {
		name   string
		build  func(t testing.TB) []byte
		format string
		paths  string
	}{
		{"tar", tarball, "tar", plain},
		{"tar+gzip", func(t testing.TB) []byte { return gz(t, tarball(t)) }, "tar+gzip", plain},
		{"tar+zstd", func(t testing.TB) []byte { return zst(t, tarball(t)) }, "tar+zstd", plain},
		{"tar+xz", func(t testing.TB) []byte { return viaCommand(t, "xz", tarball(t)) }, "tar+xz", plain},
		{"tar+bzip2", func(t testing.TB) []byte { return viaCommand(t, "bzip2", tarball(t)) }, "tar+bzip2", plain},
		{"zip", func(t testing.TB) []byte {
			return mkZip(t, file{name: "app/bin/tool", body: fakeELF("tool")}, file{name: "app/lib/libx.so.1", body: fakeELF("lib")}, file{name: "app/doc.txt", body: []byte("x")})
		}, "zip", plain},
		{"deb data.tar.gz", func(t testing.TB) []byte {
			return mkDeb(t, "data.tar.gz", gz(t, mkTar(t, file{name: "./usr/bin/tool", body: fakeELF("tool")})))
		}, "deb", "usr/bin/tool"},
		{"deb data.tar.zst", func(t testing.TB) []byte {
			return mkDeb(t, "data.tar.zst", zst(t, mkTar(t, file{name: "./usr/bin/tool", body: fakeELF("tool")})))
		}, "deb", "usr/bin/tool"},
		{"deb data.tar.xz", func(t testing.TB) []byte {
			return mkDeb(t, "data.tar.xz", viaCommand(t, "xz", mkTar(t, file{name: "./usr/bin/tool", body: fakeELF("tool")})))
		}, "deb", "usr/bin/tool"},
		{"deb odd-sized data.tar", func(t testing.TB) []byte {
			return mkDeb(t, "data.tar", append(mkTar(t, file{name: "./usr/bin/tool", body: fakeELF("tool")}), 0))
		}, "deb", "usr/bin/tool"},
		{"zip in tar.gz", func(t testing.TB) []byte {
			inner := mkZip(t, file{name: "bin/x.exe", body: fakeELF("x")})
			return gz(t, mkTar(t, file{name: "dist/inner.zip", body: inner}, file{name: "dist/top", body: fakeELF("top")}))
		}, "tar+gzip", "dist/inner.zip!/bin/x.exe dist/top"},
		{"tar.gz in zip", func(t testing.TB) []byte {
			inner := gz(t, mkTar(t, file{name: "usr/bin/x", body: fakeELF("x")}))
			return mkZip(t, file{name: "inner.tar.gz", body: inner})
		}, "zip", "inner.tar.gz!/usr/bin/x"},
		{"deb in tar in zip", func(t testing.TB) []byte {
			deb := mkDeb(t, "data.tar.gz", gz(t, mkTar(t, file{name: "./usr/bin/x", body: fakeELF("x")})))
			return mkZip(t, file{name: "r.tar", body: mkTar(t, file{name: "pkg/x.deb", body: deb})})
		}, "zip", "r.tar!/pkg/x.deb!/usr/bin/x"},
		{"gzipped executable", func(t testing.TB) []byte { return gz(t, fakeELF("x")) }, "gzip", "content"},
		{"gzipped executable in tar", func(t testing.TB) []byte {
			return mkTar(t, file{name: "bin/app.gz", body: gz(t, fakeELF("x"))})
		}, "tar", "bin/app.gz!/app"},
		{"nothing executable", func(t testing.TB) []byte {
			return gz(t, mkTar(t, file{name: "a.txt", body: []byte("x")}, file{name: "b.gz", body: gz(t, []byte("text"))}))
		}, "tar+gzip", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, err := walk(t, tc.build(t), archive.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if w.format != tc.format {
				t.Errorf("format %q, want %q", w.format, tc.format)
			}
			if got := w.paths(); got != tc.paths {
				t.Errorf("executables %q, want %q", got, tc.paths)
			}
		})
	}
}

// TestContentIntact checks that executables reach the visitor byte for byte.
func TestContentIntact(t *testing.T) {
	t.Parallel()
	big := fakeELF(strings.Repeat("0123456789", 100_000))
	for name, b := range map[string][]byte{
		"tar.gz": gz(t, mkTar(t, file{name: "x", body: big})),
		"zip":    mkZip(t, file{name: "x", body: big}),
	} {
		w, err := walk(t, b, archive.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w.execs["x"] != string(big[64:]) {
			t.Errorf("%s: content changed (%d bytes, want %d)", name, len(w.execs["x"]), len(big)-64)
		}
	}
}

// TestNotArchive: a file that is no container fails with ErrUnsupported.
func TestNotArchive(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"text":         []byte("just some text\n"),
		"empty":        {},
		"gzipped text": gz(t, []byte("hello")),
		"executable":   fakeELF("x"),
	} {
		if _, err := walk(t, b, archive.Limits{}); !errors.Is(err, archive.ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported", name, err)
		}
	}
}

// TestPathsStayInside: "..", absolute names and links never leave the root.
func TestPathsStayInside(t *testing.T) {
	t.Parallel()
	b := mkTar(t,
		file{name: "../../etc/evil", body: fakeELF("a")},
		file{name: "/abs/path", body: fakeELF("b")},
		file{name: "a/../../../b/c", body: fakeELF("c")},
		file{name: "lib/up", link: "../../../../../etc/passwd"},
		file{name: "lib/abs", link: "/usr/lib/libc.so.6"},
		file{name: "lib/rel", link: "libz.so.1.2"},
		file{name: "lib/hard", hard: "../outside/x"},
	)
	w, err := walk(t, b, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.paths(), "abs/path b/c etc/evil"; got != want {
		t.Errorf("executables %q, want %q", got, want)
	}
	want := map[string]string{"lib/up": "etc/passwd", "lib/abs": "usr/lib/libc.so.6", "lib/rel": "lib/libz.so.1.2", "lib/hard": "outside/x"}
	for l, target := range want {
		if w.links[l] != target {
			t.Errorf("link %s -> %q, want %q", l, w.links[l], target)
		}
	}
	// The same inside a zip, with Windows separators.
	z := mkZip(t, file{name: `..\..\win\app.exe`, body: fakeELF("w")}, file{name: "l", link: "../../x"})
	w, err = walk(t, z, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.paths(); got != "win/app.exe" {
		t.Errorf("zip executables %q", got)
	}
	if w.links["l"] != "x" {
		t.Errorf("zip link -> %q, want x", w.links["l"])
	}
}

// TestLimits: each limit stops the walk with a LimitError naming the member.
func TestLimits(t *testing.T) {
	t.Parallel()
	zeros := make([]byte, 20<<20)
	nested := func(t testing.TB, depth int) []byte {
		b := mkTar(t, file{name: "bin/x", body: fakeELF("x")})
		for i := 0; i < depth; i++ {
			b = mkZip(t, file{name: "level.tar", body: b})
			b = mkTar(t, file{name: "level.zip", body: b})
		}
		return b
	}
	tests := []struct {
		name   string
		input  func(t testing.TB) []byte
		lim    archive.Limits
		limit  archive.Limit
		member string
	}{
		{"tar bomb", func(t testing.TB) []byte { return gz(t, mkTar(t, file{name: "zeros", body: zeros})) },
			archive.Limits{MaxTotalBytes: 5 << 20}, archive.LimitTotalBytes, "zeros"},
		{"zip bomb", func(t testing.TB) []byte { return mkZip(t, file{name: "zeros", body: fakeELF(string(zeros))}) },
			archive.Limits{MaxTotalBytes: 5 << 20}, archive.LimitTotalBytes, "zeros"},
		{"members", func(t testing.TB) []byte {
			var fs []file
			for i := 0; i < 20; i++ {
				fs = append(fs, file{name: "f" + string(rune('a'+i)), body: []byte("x")})
			}
			return mkTar(t, fs...)
		}, archive.Limits{MaxMembers: 10}, archive.LimitMembers, "fk"},
		{"member bytes", func(t testing.TB) []byte { return mkTar(t, file{name: "big", body: fakeELF(string(zeros[:2<<20]))}) },
			archive.Limits{MaxMemberBytes: 1 << 20}, archive.LimitMemberBytes, "big"},
		{"member bytes, zip held in memory", func(t testing.TB) []byte {
			return mkTar(t, file{name: "in.zip", body: mkZip(t, file{name: "z", body: noise(1 << 20)})})
		}, archive.Limits{MaxMemberBytes: 64 << 10}, archive.LimitMemberBytes, "in.zip"},
		{"depth", func(t testing.TB) []byte { return nested(t, 3) },
			archive.Limits{MaxDepth: 4}, archive.LimitDepth, "level.zip!/level.tar!/level.zip!/level.tar"},
		{"compression quine-like nesting", func(t testing.TB) []byte {
			b := fakeELF("x")
			for i := 0; i < 12; i++ {
				b = gz(t, b)
			}
			return b
		}, archive.Limits{}, archive.LimitDepth, "content!/content.content!/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := walk(t, tc.input(t), tc.lim)
			if !errors.Is(err, archive.ErrLimit) {
				t.Fatalf("error %v, want ErrLimit", err)
			}
			var le *archive.LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is no *LimitError", err)
			}
			if le.Limit != tc.limit {
				t.Errorf("limit %q, want %q", le.Limit, tc.limit)
			}
			if !strings.HasPrefix(le.Member, tc.member) {
				t.Errorf("member %q, want it to start with %q", le.Member, tc.member)
			}
		})
	}
	// Within the limits, the deepest nesting still walks.
	if w, err := walk(t, nested(t, 3), archive.Limits{MaxDepth: 8}); err != nil || len(w.execs) != 1 {
		t.Errorf("depth 3 with MaxDepth 8: %v, %v", w, err)
	}
}

// TestMalformed: broken archives fail with ErrMalformed, naming the member.
func TestMalformed(t *testing.T) {
	t.Parallel()
	tgz := gz(t, mkTar(t, file{name: "bin/first", body: fakeELF(string(noise(20000)))}, file{name: "bin/second", body: fakeELF("b")}))
	zipped := mkZip(t, file{name: "bin/app", body: fakeELF(string(noise(5000)))})
	corruptZip := bytes.Clone(zipped)
	// Flip bytes in the deflated data of the first member.
	for i := 200; i < 230; i++ {
		corruptZip[i] ^= 0x55
	}
	deb := mkDeb(t, "data.tar.gz", gz(t, mkTar(t, file{name: "./usr/bin/x", body: fakeELF(string(noise(5000)))})))
	tests := []struct {
		name   string
		input  []byte
		member string
	}{
		{"truncated tar.gz", tgz[:len(tgz)/2], "bin/first"},
		{"corrupt zip member", corruptZip, "bin/app"},
		{"truncated zip", zipped[:len(zipped)-30], "top level"},
		{"truncated deb", deb[:len(deb)-200], "usr/bin/x"},
		{"tar in tar cut short", mkTar(t, file{name: "inner.tar", body: mkTar(t, file{name: "x", body: fakeELF("x")})[:540]}), "inner.tar!/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := walk(t, tc.input, archive.Limits{})
			if !errors.Is(err, archive.ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.member) {
				t.Errorf("error %q does not name %q", err, tc.member)
			}
		})
	}
}
