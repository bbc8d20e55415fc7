package intoto

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/candor-dev/candor/internal/fileio"
)

// Bounds of [Options]' zero value.
const (
	DefaultMaxFileBytes  = 8 << 20
	DefaultMaxTotalBytes = 64 << 20
	DefaultMaxLinks      = 1000
	DefaultMaxDepth      = 3
	// maxDirEntries bounds the entries of a links directory read at all.
	maxDirEntries = 100_000
	// maxJSONDepth bounds the nesting of a layout or link file.
	maxJSONDepth = 64
)

// reader reads layout and link files for in-toto-golang, bounded: each file is read once,
// checked, and parsed by in_toto.LoadMetadata from a private copy.
type reader struct {
	tmp      string
	maxBytes int64
	maxTotal int64
	total    int64
	maxLinks int
	links    int
	seq      int
}

// parse parses b, read from name (for messages), as in-toto metadata: a Metablock or a DSSE
// envelope holding a link or a layout. Errors wrap [ErrInput] and name the file.
func (r *reader) parse(name string, b []byte) (in_toto.Metadata, error) {
	if err := checkJSON(b); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
	}
	r.seq++
	p := filepath.Join(r.tmp, fmt.Sprintf("m%d.json", r.seq))
	if err := writeTemp(p, b); err != nil {
		return nil, err
	}
	defer os.Remove(p)
	md, err := loadMetadata(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: not in-toto metadata: %w", ErrInput, name, err)
	}
	switch pl := md.GetPayload().(type) {
	case in_toto.Link:
		if err := in_toto.ValidateMetablock(in_toto.Metablock{Signed: pl}); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
	case in_toto.Layout:
		if err := in_toto.ValidateMetablock(in_toto.Metablock{Signed: pl}); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
		for _, s := range pl.Steps {
			if !safeName(s.Name) {
				return nil, fmt.Errorf("%w: %s: step name %q: a step's links are files named after it, so it must not be empty, \".\" or \"..\", nor hold a path separator", ErrInput, name, s.Name)
			}
			if s.Threshold < 1 {
				return nil, fmt.Errorf("%w: %s: step %q has threshold %d: a step needs at least one signed link", ErrInput, name, s.Name, s.Threshold)
			}
		}
	default:
		return nil, fmt.Errorf("%w: %s: neither a link nor a layout", ErrInput, name)
	}
	if mb, ok := md.(*in_toto.Metablock); ok {
		for _, s := range mb.Signatures {
			if err := in_toto.ValidateMetablock(in_toto.Metablock{Signed: in_toto.Link{Type: "link"}, Signatures: []in_toto.Signature{s}}); err != nil {
				return nil, fmt.Errorf("%w: %s: signature: %w", ErrInput, name, err)
			}
		}
	}
	return md, nil
}

// loadMetadata is in_toto.LoadMetadata, which must not panic on any input: a panic is an
// error.
func loadMetadata(p string) (md in_toto.Metadata, err error) {
	defer func() {
		if v := recover(); v != nil {
			md, err = nil, fmt.Errorf("in-toto-golang failed: %v", v)
		}
	}()
	return in_toto.LoadMetadata(p)
}

// readFile reads one file bounded.
func (r *reader) readFile(path string) ([]byte, error) {
	b, err := fileio.ReadFile(path, r.maxBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	r.total += int64(len(b))
	if r.maxTotal > 0 && r.total > r.maxTotal {
		return nil, fmt.Errorf("%w: %s: the layout and its links hold more than %d bytes", ErrInput, path, r.maxTotal)
	}
	return b, nil
}

// checkJSON refuses what is not one JSON object nested at most maxJSONDepth deep.
func checkJSON(b []byte) error {
	depth, inStr, esc, seen := 0, false, false, false
	for _, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			if depth == 0 && seen {
				return errors.New("more than one JSON value")
			}
			seen = true
			depth++
			if depth > maxJSONDepth {
				return fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
			}
		case '}', ']':
			depth--
			if depth < 0 {
				return errors.New("unbalanced JSON")
			}
		}
	}
	if !seen {
		return errors.New("not a JSON object")
	}
	return nil
}

// linkDir is the parsed links of one layout's directory: by step, by the full key id of the
// signature the file name points at, as in-toto-golang's LoadLinksForLayout keys them.
type linkDir struct {
	path   string
	byStep map[string]map[string]in_toto.Metadata
	files  map[string][]string          // step -> file names
	names  map[string]map[string]string // step -> key id -> file name
	sub    map[string]*linkDir          // "STEP.KEYID8" -> the sublayout's links
}

// scan reads every *.link file of dir (an error names any that does not parse), assigns to
// layout's steps the ones named STEP.KEYID8.link, and scans the directory of each sublayout
// found, depth levels at most. Layouts with inspections fail with ErrInspections unless
// allow.
func (r *reader) scan(dir string, layout in_toto.Layout, depth, maxDepth int, allow bool) (*linkDir, error) {
	ld := &linkDir{path: dir, byStep: map[string]map[string]in_toto.Metadata{}, files: map[string][]string{}, names: map[string]map[string]string{}, sub: map[string]*linkDir{}}
	for _, s := range layout.Steps {
		ld.byStep[s.Name] = map[string]in_toto.Metadata{}
		ld.names[s.Name] = map[string]string{}
	}
	names, err := listLinks(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		r.links++
		if r.links > r.maxLinks {
			return nil, fmt.Errorf("%w: %s: more than %d link files", ErrInput, dir, r.maxLinks)
		}
		path := filepath.Join(dir, name)
		b, err := r.readFile(path)
		if err != nil {
			return nil, err
		}
		md, err := r.parse(path, b)
		if err != nil {
			return nil, err
		}
		for _, s := range layout.Steps {
			short, ok := strings.CutPrefix(name, s.Name+".")
			if !ok {
				continue
			}
			short, ok = strings.CutSuffix(short, ".link")
			if !ok || len(short) != 8 {
				continue
			}
			var keyID string
			for _, sig := range md.Sigs() {
				if strings.HasPrefix(sig.KeyID, short) {
					keyID = sig.KeyID
					break
				}
			}
			if keyID == "" {
				return nil, fmt.Errorf("%w: %s: named for key %s, but no signature in it is by a key whose id starts so (in-toto would ignore the file)", ErrInput, path, short)
			}
			ld.byStep[s.Name][keyID] = md
			ld.files[s.Name] = append(ld.files[s.Name], name)
			ld.names[s.Name][keyID] = name
			if sub, isLayout := md.GetPayload().(in_toto.Layout); isLayout {
				if len(sub.Inspect) > 0 && !allow {
					return nil, fmt.Errorf("%w: sublayout %s has %d inspection(s), which run commands on this machine: refused unless inspections are allowed", ErrInspections, path, len(sub.Inspect))
				}
				if depth >= maxDepth {
					return nil, fmt.Errorf("%w: %s: sublayouts nested deeper than %d", ErrInput, path, maxDepth)
				}
				subName := fmt.Sprintf(in_toto.SublayoutLinkDirFormat, s.Name, keyID)
				sd, err := r.scan(filepath.Join(dir, subName), sub, depth+1, maxDepth, allow)
				if err != nil {
					return nil, err
				}
				ld.sub[subName] = sd
			}
		}
	}
	return ld, nil
}

// listLinks lists the names of the *.link entries of dir, at most maxDirEntries entries
// read. A directory that does not exist has none (its steps then lack links).
func listLinks(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	var out []string
	seen := 0
	for {
		ents, err := f.ReadDir(1024)
		for _, e := range ents {
			seen++
			if strings.HasSuffix(e.Name(), ".link") && !e.IsDir() {
				out = append(out, e.Name())
			}
		}
		if seen > maxDirEntries {
			return nil, fmt.Errorf("%w: %s: more than %d entries", ErrInput, dir, maxDirEntries)
		}
		if err == io.EOF || len(ents) == 0 {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
	}
	sort.Strings(out)
	return out, nil
}

// safeName says whether a step name makes file names inside the links directory only.
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}
