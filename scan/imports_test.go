package scan

import (
	"bytes"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"slices"
	"testing"
)

// Native imports of PE and Mach-O files, from the synthetic executables of
// synth_test.go to findings, through the public scanning API.

// TestSyntheticPEFilesAreValid: debug/pe reads the synthetic files, and its
// ImportedSymbols sees the by-name imports of the regular directory, so the
// builder lays them out as a linker does. It sees neither the ordinals nor
// the delay-loaded DLLs: what candor's reader adds.
func TestSyntheticPEFilesAreValid(t *testing.T) {
	t.Parallel()
	for _, pe32 := range []bool{false, true} {
		data := synthPE{pe32: pe32, imports: withWS2(synthImport{dll: "WS2_32.dll", names: []string{"recv"}, ordinals: []uint16{4}},
			synthImport{dll: "WINHTTP.dll", names: []string{"WinHttpOpen"}, delay: true},
			synthImport{dll: "KERNEL32.dll", names: []string{"ExitProcess", "CreateProcessW"}})}.build()
		f, err := pe.NewFile(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("pe32=%v: debug/pe rejects the file: %v", pe32, err)
		}
		if _, is64 := f.OptionalHeader.(*pe.OptionalHeader64); is64 == pe32 {
			t.Errorf("pe32=%v: optional header %T", pe32, f.OptionalHeader)
		}
		syms, err := f.ImportedSymbols()
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"recv:WS2_32.dll", "ExitProcess:KERNEL32.dll", "CreateProcessW:KERNEL32.dll"}; !slices.Equal(syms, want) {
			t.Errorf("pe32=%v: debug/pe imports %q, want %q", pe32, syms, want)
		}
	}
}

// TestSyntheticPEImports scans synthetic PE files whose imports come by name,
// by ordinal, delay-loaded or without a lookup table, and checks the exact
// findings, their evidence and the needed DLLs. The benign rows and the rows
// with one import family removed show that each finding comes from its imports.
func TestSyntheticPEImports(t *testing.T) {
	t.Parallel()
	byName := synthImport{dll: "WS2_32.dll", names: ws2Names}
	byOrdinal := synthImport{dll: "WS2_32.dll", ordinals: ws2Ords}
	tests := []struct {
		name  string
		pe    synthPE
		rules []string
		caps  []Capability
		dlls  []string
	}{
		{"pe32+ by name", synthPE{imports: withWS2(byName, winImports...)}, allWinRules, allWinCaps, allWinDLLs},
		{"pe32+ ws2_32 by ordinal", synthPE{imports: withWS2(byOrdinal, winImports...)}, allWinRules, allWinCaps, allWinDLLs},
		{"pe32 by name", synthPE{pe32: true, imports: withWS2(byName, winImports...)}, allWinRules, allWinCaps, allWinDLLs},
		{"pe32 ws2_32 by ordinal", synthPE{pe32: true, imports: withWS2(byOrdinal, winImports...)}, allWinRules, allWinCaps, allWinDLLs},
		{"no lookup tables", synthPE{noLookup: true, imports: withWS2(byOrdinal, winImports...)}, allWinRules, allWinCaps, allWinDLLs},
		// wsock32 numbers 10-12 differently; 4 and 13 are connect and listen in both.
		{"wsock32 by ordinal", synthPE{imports: []synthImport{{dll: "WSOCK32.dll", ordinals: []uint16{4, 13, 1, 10, 12}}}},
			[]string{"native.socket.connect", "native.socket.listen"}, []Capability{NetworkListen, NetworkConnect}, []string{"wsock32.dll"}},
		{"delay-loaded winhttp", synthPE{imports: []synthImport{{dll: "WINHTTP.dll", names: []string{"WinHttpOpen", "WinHttpConnect"}, delay: true},
			{dll: "KERNEL32.dll", names: []string{"ExitProcess"}}}},
			[]string{"native.http.client"}, []Capability{NetworkConnect}, []string{"kernel32.dll", "winhttp.dll"}},
		{"old-style delay load", synthPE{pe32: true, oldDelay: true, imports: []synthImport{{dll: "WS2_32.dll", ordinals: []uint16{4}, delay: true},
			{dll: "SHELL32.dll", names: []string{"ShellExecuteW"}, delay: true}}},
			[]string{"native.exec", "native.socket.connect"}, []Capability{ProcessExec, NetworkConnect}, []string{"shell32.dll", "ws2_32.dll"}},
		{"benign", synthPE{imports: benignImports}, nil, nil, []string{"kernel32.dll", "ws2_32.dll"}},
		{"benign pe32", synthPE{pe32: true, imports: benignImports}, nil, nil, []string{"kernel32.dll", "ws2_32.dll"}},
		// One family removed at a time: the other findings stay.
		{"without listen", synthPE{imports: withWS2(synthImport{dll: "WS2_32.dll", ordinals: []uint16{115, 23, 4, 2, 20, 52}}, winImports...)},
			slices.DeleteFunc(slices.Clone(allWinRules), func(r string) bool { return r == "native.socket.listen" }),
			[]Capability{ProcessExec, CodeDynamic, NetworkConnect}, allWinDLLs},
		{"without process and code imports", synthPE{imports: withWS2(byOrdinal, winImports[0], winImports[1],
			synthImport{dll: "KERNEL32.dll", names: []string{"GetLastError"}})},
			[]string{"native.dns", "native.http.client", "native.socket.connect", "native.socket.datagram", "native.socket.listen"},
			[]Capability{NetworkListen, NetworkConnect}, []string{"kernel32.dll", "urlmon.dll", "winhttp.dll", "ws2_32.dll"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := scanSynth(t, tc.name, tc.pe.build())
			wantArch := "amd64"
			if tc.pe.pe32 {
				wantArch = "386"
			}
			if a.Format != "pe" || a.OS != "windows" || a.Arch != wantArch || a.GoVersion != "" {
				t.Errorf("format %q os %q arch %q go %q, want pe windows %s and no Go", a.Format, a.OS, a.Arch, a.GoVersion, wantArch)
			}
			if got := ruleSet(a); !slices.Equal(got, tc.rules) {
				t.Errorf("rules %q, want %q", got, tc.rules)
			}
			if got := capSet(a); !slices.Equal(got, tc.caps) {
				t.Errorf("capabilities %q, want %q", got, tc.caps)
			}
			if !slices.Equal(a.Libraries, tc.dlls) {
				t.Errorf("libraries %q, want %q", a.Libraries, tc.dlls)
			}
			for _, f := range a.Findings {
				if f.Confidence != Linked || f.Commitment == "" || f.EvidenceTotal < len(f.Evidence) || len(f.Evidence) == 0 {
					t.Errorf("finding %s: confidence %s, commitment %q, %d evidence of %d", f.Rule, f.Confidence, f.Commitment, len(f.Evidence), f.EvidenceTotal)
				}
			}
		})
	}
}

// TestSyntheticPEEvidence: the evidence of a PE whose WinSock imports are all
// by ordinal names the functions, exactly as if they were imported by name.
func TestSyntheticPEEvidence(t *testing.T) {
	t.Parallel()
	byOrd := scanSynth(t, "ordinals", synthPE{imports: withWS2(synthImport{dll: "WS2_32.dll", ordinals: ws2Ords}, winImports...)}.build())
	byName := scanSynth(t, "names", synthPE{imports: withWS2(synthImport{dll: "WS2_32.dll", names: ws2Names}, winImports...)}.build())
	want := map[string][]Evidence{
		"native.socket.connect":  {imp("connect")},
		"native.socket.listen":   {imp("accept"), imp("listen")},
		"native.socket.datagram": {imp("sendto"), imp("socket")},
		"native.dns":             {imp("gethostbyname")},
		"native.http.client":     {imp("URLDownloadToFileW"), imp("WinHttpConnect"), imp("WinHttpOpenRequest"), imp("WinHttpSendRequest"), lib("winhttp.dll")},
		"native.exec":            {imp("CreateProcessW"), imp("ShellExecuteW")},
		"native.dlopen":          {imp("LoadLibraryW")},
	}
	for _, a := range []*Artifact{byOrd, byName} {
		for rule, ev := range want {
			f := finding(a, rule)
			if f == nil {
				t.Errorf("%s: no %s finding", a.Path, rule)
				continue
			}
			if !slices.EqualFunc(f.Evidence, ev, evidenceEqual) || f.EvidenceTotal != len(ev) {
				t.Errorf("%s: %s evidence %+v (total %d), want %+v", a.Path, rule, f.Evidence, f.EvidenceTotal, ev)
			}
		}
	}
}

// TestSyntheticMachOFilesAreValid: debug/macho reads the synthetic files and
// finds the dylibs and undefined symbols put there, all but the weak dylib,
// which it does not list (candor's machoLibraries does).
func TestSyntheticMachOFilesAreValid(t *testing.T) {
	t.Parallel()
	m := synthMachO{cpu: macho.CpuArm64, dylibs: []string{"/usr/lib/libSystem.B.dylib"}, weak: []string{"@rpath/Sparkle.framework/Versions/B/Sparkle"},
		undef: []string{"_connect", "_execve"}}
	f, err := macho.NewFile(bytes.NewReader(m.build()))
	if err != nil {
		t.Fatalf("debug/macho rejects the file: %v", err)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(libs, m.dylibs) {
		t.Errorf("debug/macho libraries %q, want %q", libs, m.dylibs)
	}
	if got, want := machoLibraries(f), append(slices.Clone(m.dylibs), m.weak...); !slices.Equal(got, want) {
		t.Errorf("machoLibraries %q, want %q", got, want)
	}
	syms, err := f.ImportedSymbols()
	if err != nil || !slices.Equal(syms, m.undef) {
		t.Errorf("debug/macho imports %q (%v), want %q", syms, err, m.undef)
	}
	if len(f.Sections) != 1 || f.Sections[0].Name != "__text" {
		t.Errorf("sections %+v", f.Sections)
	}
	ff, err := macho.NewFatFile(bytes.NewReader(fatMachO(m.build(), synthMachO{cpu: macho.CpuAmd64}.build())))
	if err != nil || len(ff.Arches) != 2 || ff.Arches[0].Cpu != macho.CpuArm64 || ff.Arches[1].Cpu != macho.CpuAmd64 {
		t.Errorf("universal file: %v", err)
	}
}

// TestSyntheticMachOImports scans synthetic Mach-O files through the public
// API: Sparkle (linked or weakly linked) is update.self, libcurl and
// socket/connect are network.connect, execve/posix_spawn are process.exec;
// without them nothing is reported.
func TestSyntheticMachOImports(t *testing.T) {
	t.Parallel()
	sparkle, curl, system := "@rpath/Sparkle.framework/Versions/A/Sparkle", "/usr/lib/libcurl.4.dylib", "/usr/lib/libSystem.B.dylib"
	full := synthMachO{cpu: macho.CpuAmd64, dylibs: []string{sparkle, curl, system},
		undef: []string{"_socket", "_connect", "_curl_easy_perform", "_execve", "_posix_spawn", "_printf"}}
	benign := synthMachO{cpu: macho.CpuArm64, dylibs: []string{system}, undef: []string{"_printf", "_malloc", "_close"}}
	benignAmd64 := benign
	benignAmd64.cpu = macho.CpuAmd64
	fullRules := []string{"native.exec", "native.http.client", "native.socket.connect", "native.sparkle"}
	fullCaps := []Capability{ProcessExec, NetworkConnect, UpdateSelf}
	tests := []struct {
		name   string
		data   []byte
		format string
		arch   string
		rules  []string
		caps   []Capability
		libs   []string
	}{
		{"full", full.build(), "macho", "amd64", fullRules, fullCaps, []string{sparkle, curl, system}},
		{"weak sparkle", synthMachO{cpu: macho.CpuArm64, dylibs: []string{system}, weak: []string{sparkle}}.build(), "macho", "arm64",
			[]string{"native.sparkle"}, []Capability{UpdateSelf}, []string{sparkle, system}},
		{"benign", benign.build(), "macho", "arm64", nil, nil, []string{system}},
		{"universal", fatMachO(full.build(), benign.build()), "macho-universal", "amd64+arm64", fullRules, fullCaps, []string{sparkle, curl, system}},
		{"universal benign", fatMachO(benignAmd64.build(), benign.build()), "macho-universal", "amd64+arm64", nil, nil, []string{system}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := scanSynth(t, tc.name, tc.data)
			if a.Format != tc.format || a.OS != "darwin" || a.Arch != tc.arch || a.GoVersion != "" {
				t.Errorf("format %q os %q arch %q go %q, want %s darwin %s and no Go", a.Format, a.OS, a.Arch, a.GoVersion, tc.format, tc.arch)
			}
			if got := ruleSet(a); !slices.Equal(got, tc.rules) {
				t.Errorf("rules %q, want %q", got, tc.rules)
			}
			if got := capSet(a); !slices.Equal(got, tc.caps) {
				t.Errorf("capabilities %q, want %q", got, tc.caps)
			}
			if got := slices.Sorted(slices.Values(tc.libs)); !slices.Equal(a.Libraries, got) {
				t.Errorf("libraries %q, want %q", a.Libraries, got)
			}
		})
	}
	a := scanSynth(t, "full", full.build())
	want := map[string][]Evidence{
		"native.sparkle":        {lib(sparkle)},
		"native.http.client":    {lib(curl), imp("curl_easy_perform")}, // sorted by value
		"native.socket.connect": {imp("connect")},
		"native.exec":           {imp("execve"), imp("posix_spawn")},
	}
	for rule, ev := range want {
		if f := finding(a, rule); f == nil || !slices.EqualFunc(f.Evidence, ev, evidenceEqual) {
			t.Errorf("%s: finding %+v, want evidence %+v", rule, f, ev)
		}
	}
}

// TestMachODysymtabWrap: an LC_DYSYMTAB whose undefined range wraps around
// 2^32 passes debug/macho's check and makes its ImportedSymbols slice out of
// range; candor falls back to the symbol types and the scan goes on.
func TestMachODysymtabWrap(t *testing.T) {
	t.Parallel()
	m := synthMachO{cpu: macho.CpuAmd64, dylibs: []string{"/usr/lib/libSystem.B.dylib"}, undef: []string{"_connect"}}
	data := m.build()
	// Find LC_DYSYMTAB and set iundefsym 2, nundefsym 2^32-1 (2 symbols in the table).
	i := bytes.Index(data, []byte{0x0b, 0, 0, 0, 80, 0, 0, 0})
	if i < 0 {
		t.Fatal("no LC_DYSYMTAB")
	}
	binary.LittleEndian.PutUint32(data[i+24:], 2)
	binary.LittleEndian.PutUint32(data[i+28:], 0xffffffff)
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Skipf("debug/macho now rejects the wrapped range (%v); machoImports' own check is then redundant", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Log("debug/macho ImportedSymbols no longer panics on a wrapped range")
			}
		}()
		f.ImportedSymbols()
	}()
	if got := machoImports(f); !slices.Equal(got, []string{"connect"}) {
		t.Errorf("machoImports = %q, want [connect] by symbol type", got)
	}
	a := scanSynth(t, "wrapped", data)
	if got := ruleSet(a); !slices.Equal(got, []string{"native.socket.connect"}) {
		t.Errorf("rules %q, want [native.socket.connect]", got)
	}
}

func evidenceEqual(a, b Evidence) bool {
	return a.Kind == b.Kind && a.Value == b.Value && a.Where == b.Where && a.Reach == b.Reach && a.Module == b.Module &&
		slices.Equal(a.Path, b.Path) && slices.Equal(a.ReferencedBy, b.ReferencedBy)
}
