package scan

import (
	"bytes"
	"debug/elf"
	"path"
	"strings"
)

// Capabilities that live in a shared library: an executable that needs a
// library shipped in the same archive gets the library's findings too
// (curl's executable imports no socket call; the libcurl.so.4 beside it
// does). A library that is not shipped is known only by its name and the
// functions imported from it, which the rules match directly (libcurl.so*,
// curl_easy_perform).

// maxLibraryHops bounds how far needed libraries are followed (a needs b needs c...).
const maxLibraryHops = 8

// soname returns the DT_SONAME of an ELF shared object, or "".
func soname(data []byte) (name string) {
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		return ""
	}
	defer func() {
		if recover() != nil {
			name = ""
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	names, err := f.DynString(elf.DT_SONAME)
	if err != nil || len(names) == 0 {
		return ""
	}
	return names[0]
}

// containerOf returns the part of a member path naming its container ("" for
// the top level): libraries are looked for in the same container only.
func containerOf(p string) string {
	if i := strings.LastIndex(p, "!/"); i >= 0 {
		return p[:i]
	}
	return ""
}

// attributeLibraries adds to each member the findings of the libraries it
// needs, directly or through other libraries, that ship in the same container.
// links maps link paths to their resolved targets; sonames maps member indices
// to their DT_SONAME.
func attributeLibraries(members []Artifact, sonames map[int]string, links map[string]string) {
	byPath := map[string]int{}
	for i := range members {
		if _, dup := byPath[members[i].Path]; !dup {
			byPath[members[i].Path] = i
		}
	}
	// names maps container + "\x00" + library name (lower case) to a member.
	names := map[string]int{}
	add := func(container, name string, i int) {
		k := container + "\x00" + strings.ToLower(name)
		if _, ok := names[k]; !ok {
			names[k] = i
		}
	}
	for i := range members {
		c := containerOf(members[i].Path)
		if so := sonames[i]; so != "" {
			add(c, so, i)
		}
		add(c, path.Base(members[i].Path), i)
	}
	for l, t := range links {
		for hop := 0; hop < maxLibraryHops; hop++ {
			if i, ok := byPath[t]; ok {
				add(containerOf(l), path.Base(l), i)
				break
			}
			next, ok := links[t]
			if !ok {
				break
			}
			t = next
		}
	}
	lookup := func(container, lib string) (int, bool) {
		i, ok := names[container+"\x00"+strings.ToLower(path.Base(lib))]
		return i, ok
	}

	// Work on a snapshot, so a library's inherited findings are not passed on twice.
	own := make([][]Finding, len(members))
	for i := range members {
		own[i] = members[i].Findings
	}
	for i := range members {
		m := &members[i]
		if len(m.Libraries) == 0 {
			continue
		}
		c := containerOf(m.Path)
		type step struct {
			idx   int
			chain []string
		}
		seen := map[int]bool{i: true}
		var queue []step
		for _, l := range m.Libraries {
			if j, ok := lookup(c, l); ok && !seen[j] {
				seen[j] = true
				queue = append(queue, step{j, []string{l}})
			}
		}
		have := map[string]bool{}
		for _, f := range m.Findings {
			have[f.Rule] = true
		}
		var added []Finding
		for len(queue) > 0 {
			st := queue[0]
			queue = queue[1:]
			lib := &members[st.idx]
			for _, f := range own[st.idx] {
				if f.Capability == NetworkEndpoint || f.Capability == AnalysisObscured || have[f.Rule] {
					continue
				}
				have[f.Rule] = true
				added = append(added, inherited(f, st.chain, lib.Path))
			}
			if len(st.chain) >= maxLibraryHops {
				continue
			}
			for _, l := range lib.Libraries {
				if j, ok := lookup(c, l); ok && !seen[j] {
					seen[j] = true
					queue = append(queue, step{j, append(append([]string(nil), st.chain...), l)})
				}
			}
		}
		if len(added) > 0 {
			m.Findings = append(append([]Finding(nil), m.Findings...), added...)
			sortFindings(m.Findings)
		}
	}
}

// inherited is a library's finding as seen from an executable that needs it:
// same rule, with the library chain in front of the library's own evidence.
func inherited(f Finding, chain []string, libPath string) Finding {
	via := strings.Join(chain, " → ")
	ev := []Evidence{{Kind: EvidenceImport, Value: via, Where: "needed library shipped as " + libPath}}
	for _, e := range f.Evidence {
		e.Where = libPath + ": " + e.Where
		ev = append(ev, e)
	}
	out := f
	out.Evidence = ev
	out.EvidenceTotal = f.EvidenceTotal + 1
	out.Summary = f.Summary + " (in needed library " + chain[len(chain)-1] + ")"
	return out
}
