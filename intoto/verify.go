package intoto

import (
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/candor-dev/candor/internal/termsafe"
)

// Options configures [VerifyLayout]. The zero value refuses inspections and applies the
// Default bounds.
type Options struct {
	// AllowInspectionsUnsafe runs the layout's inspections: commands the layout names, on
	// this machine, in InspectionDir. Off by default: a layout is input, and must not run
	// programs unless the user asks for it.
	AllowInspectionsUnsafe bool
	// InspectionDir is where inspections run and what they record ("": the working
	// directory). in-toto-golang also writes each inspection's link there.
	InspectionDir string
	// MaxFileBytes bounds each layout and link file (0: DefaultMaxFileBytes).
	MaxFileBytes int64
	// MaxTotalBytes bounds the layout and link files together (0: DefaultMaxTotalBytes).
	MaxTotalBytes int64
	// MaxLinks bounds the number of link files read, sublayouts' included (0:
	// DefaultMaxLinks).
	MaxLinks int
	// MaxDepth bounds the nesting of sublayouts (0: DefaultMaxDepth).
	MaxDepth int
}

// Kinds of [StepResult].
const (
	KindLayout     = "layout"
	KindStep       = "step"
	KindInspection = "inspection"
)

// StepResult is one line of the verdict: the layout itself, a step, or an inspection.
// Steps of a sublayout are listed after the step that holds it, their Name prefixed with
// the step's ("package/build").
type StepResult struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Threshold is the number of links the step needs, each signed by a distinct
	// authorized functionary.
	Threshold int `json:"threshold,omitempty"`
	// Links are the link files found for the step; Signed, those whose signature verified
	// with an authorized key.
	Links  []string `json:"links,omitempty"`
	Signed []string `json:"signed,omitempty"`
	// Sublayout says the step's links are layouts, verified recursively.
	Sublayout bool `json:"sublayout,omitempty"`
	// Reason says why the line failed, or what it checked.
	Reason string `json:"reason,omitempty"`
}

// String is the line for a terminal, strings from the inputs escaped.
func (s StepResult) String() string {
	verdict := "pass"
	if !s.OK {
		verdict = "FAIL"
	}
	return termsafe.Line(fmt.Sprintf("%s  %s %s: %s", verdict, s.Kind, s.Name, s.Reason))
}

// Result is the verdict of [VerifyLayout].
type Result struct {
	// OK is true when every line passed.
	OK      bool         `json:"ok"`
	Layout  string       `json:"layout"`
	Expires string       `json:"expires,omitempty"`
	Steps   []StepResult `json:"steps"`
	// Materials of the layout's first step and Products of its last, by path, by digest
	// algorithm (hex): in-toto's summary of the chain, what the final product is checked
	// against. Empty when verification failed.
	Materials map[string]map[string]string `json:"materials,omitempty"`
	Products  map[string]map[string]string `json:"products,omitempty"`
}

// VerifyLayout verifies the in-toto layout at layoutPath, signed by every key of
// layoutKeys, with the links in linksDir, through in-toto-golang: the layout's signatures
// and expiry; for each step a threshold of links signed by distinct authorized
// functionaries, agreeing on their artifacts; sublayouts, recursively, in
// linksDir/STEP.KEYID8; each step's artifact rules; and, only with
// Options.AllowInspectionsUnsafe, the inspections. A verification that fails is a Result
// whose OK is false (with the failing lines), not an error. Errors are for what cannot be
// read: a file that does not parse (named; wraps ErrInput), a bound exceeded, a layout
// with inspections not allowed (ErrInspections), an unusable key (ErrKey).
func VerifyLayout(layoutPath string, layoutKeys []crypto.PublicKey, linksDir string, opts Options) (res *Result, err error) {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.MaxTotalBytes <= 0 {
		opts.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if opts.MaxLinks <= 0 {
		opts.MaxLinks = DefaultMaxLinks
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if len(layoutKeys) == 0 {
		return nil, fmt.Errorf("%w: no layout key: give the public key of the layout's owner", ErrKey)
	}
	keys := make(map[string]in_toto.Key, len(layoutKeys))
	for _, pub := range layoutKeys {
		k, err := KeyFromPublic(pub)
		if err != nil {
			return nil, err
		}
		if _, dup := keys[k.KeyID]; dup {
			return nil, fmt.Errorf("%w: layout key %.8s given twice", ErrKey, k.KeyID)
		}
		keys[k.KeyID] = k
	}
	if fi, err := os.Stat(linksDir); err != nil {
		return nil, fmt.Errorf("%w: links directory: %w", ErrInput, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%w: links directory %s is not a directory", ErrInput, linksDir)
	}
	tmp, err := os.MkdirTemp("", "candor-intoto-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r := &reader{tmp: tmp, maxBytes: opts.MaxFileBytes, maxTotal: opts.MaxTotalBytes, maxLinks: opts.MaxLinks}
	b, err := r.readFile(layoutPath)
	if err != nil {
		return nil, err
	}
	md, err := r.parse(layoutPath, b)
	if err != nil {
		return nil, err
	}
	layout, ok := md.GetPayload().(in_toto.Layout)
	if !ok {
		return nil, fmt.Errorf("%w: %s: a link, not a layout", ErrInput, layoutPath)
	}
	if len(layout.Inspect) > 0 && !opts.AllowInspectionsUnsafe {
		return nil, fmt.Errorf("%w: %s has %d inspection(s), which run commands on this machine: refused unless inspections are allowed", ErrInspections, layoutPath, len(layout.Inspect))
	}
	links, err := r.scan(linksDir, layout, 0, opts.MaxDepth, opts.AllowInspectionsUnsafe)
	if err != nil {
		return nil, err
	}

	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("in-toto-golang failed on %s: %v", layoutPath, v)
		}
	}()
	res = &Result{Layout: layoutPath, Expires: layout.Expires}
	summary := verifyChain(md, keys, links, "", opts, &res.Steps)
	res.OK = summary != nil
	for _, s := range res.Steps {
		res.OK = res.OK && s.OK
	}
	if res.OK {
		if l, ok := summary.GetPayload().(in_toto.Link); ok {
			res.Materials, res.Products = l.Materials, l.Products
		}
	}
	return res, nil
}

// verifyChain verifies one layout (md) and its links as in_toto.InTotoVerify does, step by
// step so that each gets its line in out, and returns the chain's summary link, or nil when
// anything failed. It does not run in-toto-golang's command alignment, which only warns,
// and prints the warning to standard output.
func verifyChain(md in_toto.Metadata, keys map[string]in_toto.Key, links *linkDir, prefix string, opts Options, out *[]StepResult) in_toto.Metadata {
	layout := md.GetPayload().(in_toto.Layout)
	line := StepResult{Kind: KindLayout, Name: prefix + "layout", OK: true}
	if prefix == "" {
		line.Name = "root"
	}
	var ids []string
	for id := range keys {
		ids = append(ids, id[:8])
	}
	sort.Strings(ids)
	if err := in_toto.VerifyLayoutSignatures(md, keys); err != nil {
		line.OK, line.Reason = false, "signature: "+err.Error()
	} else if err := in_toto.VerifyLayoutExpiration(layout); err != nil {
		line.OK, line.Reason = false, err.Error()
	} else {
		line.Reason = fmt.Sprintf("signed by %s; expires %s", strings.Join(ids, ", "), layout.Expires)
	}
	*out = append(*out, line)
	if !line.OK {
		for _, s := range layout.Steps {
			*out = append(*out, StepResult{Kind: KindStep, Name: prefix + s.Name, Threshold: s.Threshold, Links: links.files[s.Name], Reason: "not checked: the layout did not verify"})
		}
		return nil
	}
	_, useDSSE := md.(*in_toto.Envelope)
	rootPool, interPool, err := in_toto.LoadLayoutCertificates(layout, nil)
	if err != nil {
		*out = append(*out, StepResult{Kind: KindLayout, Name: line.Name, Reason: "certificates: " + err.Error()})
		return nil
	}
	ok := true
	reduced := map[string]in_toto.Metadata{}
	lines := make([]StepResult, len(layout.Steps))
	var subLines [][]StepResult
	for i, s := range layout.Steps {
		l := StepResult{Kind: KindStep, Name: prefix + s.Name, Threshold: s.Threshold, Links: links.files[s.Name], OK: true}
		var sub []StepResult
		one := layout
		one.Steps, one.Inspect = []in_toto.Step{s}, nil
		verified, err := in_toto.VerifyLinkSignatureThesholds(one, map[string]map[string]in_toto.Metadata{s.Name: links.byStep[s.Name]}, rootPool, interPool)
		if err != nil {
			l.OK, l.Reason = false, err.Error()
		} else {
			for id := range verified[s.Name] {
				l.Signed = append(l.Signed, links.names[s.Name][id])
			}
			sort.Strings(l.Signed)
			if name := wrongName(s.Name, verified[s.Name]); name != "" {
				l.OK, l.Reason = false, fmt.Sprintf("a signed link records step %q, not %q", name, s.Name)
			}
		}
		if l.OK {
			for id, lmd := range verified[s.Name] {
				if _, isLayout := lmd.GetPayload().(in_toto.Layout); !isLayout {
					continue
				}
				l.Sublayout = true
				subKeys := map[string]in_toto.Key{id: layout.Keys[id]}
				subDir := links.sub[fmt.Sprintf(in_toto.SublayoutLinkDirFormat, s.Name, id)]
				if subDir == nil {
					subDir = &linkDir{}
				}
				summary := verifyChain(lmd, subKeys, subDir, l.Name+"/", opts, &sub)
				if summary == nil {
					l.OK, l.Reason = false, "sublayout "+links.names[s.Name][id]+" did not verify"
					break
				}
				verified[s.Name][id] = summary
			}
		}
		if l.OK {
			r, err := in_toto.ReduceStepsMetadata(one, verified)
			if err != nil {
				l.OK, l.Reason = false, err.Error()
			} else {
				reduced[s.Name] = r[s.Name]
			}
		}
		lines[i] = l
		subLines = append(subLines, sub)
	}
	for i, s := range layout.Steps {
		l := &lines[i]
		if l.OK {
			if err := in_toto.VerifyArtifacts([]any{s}, reduced); err != nil {
				l.OK, l.Reason = false, err.Error()
			} else {
				l.Reason = fmt.Sprintf("%d of %d required link(s) signed (%s); artifact rules hold", len(l.Signed), s.Threshold, strings.Join(l.Signed, ", "))
			}
		}
		ok = ok && l.OK
		*out = append(*out, *l)
		*out = append(*out, subLines[i]...)
	}
	if len(layout.Inspect) > 0 {
		if !ok || !opts.AllowInspectionsUnsafe {
			for _, in := range layout.Inspect {
				*out = append(*out, StepResult{Kind: KindInspection, Name: prefix + in.Name, Reason: "not run: the steps did not verify"})
			}
			return nil
		}
		inspections, err := runInspections(layout, opts.InspectionDir, useDSSE)
		if err != nil {
			*out = append(*out, StepResult{Kind: KindInspection, Name: prefix + "inspections", Reason: err.Error()})
			return nil
		}
		for k, v := range reduced {
			inspections[k] = v
		}
		for _, in := range layout.Inspect {
			l := StepResult{Kind: KindInspection, Name: prefix + in.Name, OK: true, Reason: fmt.Sprintf("ran %q; artifact rules hold", in.Run)}
			if err := in_toto.VerifyArtifacts([]any{in}, inspections); err != nil {
				l.OK, l.Reason = false, err.Error()
			}
			ok = ok && l.OK
			*out = append(*out, l)
		}
	}
	if !ok {
		return nil
	}
	summary, err := in_toto.GetSummaryLink(layout, reduced, strings.TrimSuffix(prefix, "/"), useDSSE)
	if err != nil {
		*out = append(*out, StepResult{Kind: KindLayout, Name: line.Name, Reason: "summary: " + err.Error()})
		return nil
	}
	return summary
}

// wrongName returns the step name recorded in a link of links that is not step, if any: a
// link signed for one step must not count for another (in-toto-golang does not check).
func wrongName(step string, links map[string]in_toto.Metadata) string {
	for _, md := range links {
		if l, ok := md.GetPayload().(in_toto.Link); ok && l.Name != step {
			return l.Name
		}
	}
	return ""
}

// runInspections is in_toto.RunInspections without its writing each inspection's link to
// the working directory, and recording the artifacts of dir by their paths inside it (as
// in-toto's reference implementation does for its working directory).
func runInspections(layout in_toto.Layout, dir string, useDSSE bool) (map[string]in_toto.Metadata, error) {
	paths, strip := []string{"."}, []string(nil)
	if dir != "" {
		d := filepath.Clean(dir)
		paths, strip = []string{d}, []string{d + string(filepath.Separator)}
	}
	out := make(map[string]in_toto.Metadata, len(layout.Inspect))
	for _, in := range layout.Inspect {
		md, err := in_toto.InTotoRun(in.Name, dir, paths, paths, in.Run, in_toto.Key{}, []string{"sha256"}, nil, strip, false, false, useDSSE)
		if err != nil {
			return nil, fmt.Errorf("inspection %q: %w", in.Name, err)
		}
		l, ok := md.GetPayload().(in_toto.Link)
		if !ok {
			return nil, fmt.Errorf("inspection %q: no link", in.Name)
		}
		if rv := l.ByProducts["return-value"]; rv != float64(0) {
			return nil, fmt.Errorf("inspection %q: %q exited with %v", in.Name, in.Run, rv)
		}
		out[in.Name] = md
	}
	return out, nil
}

// ProductWithSHA256 returns the name of the chain's final product whose SHA-256 is digest
// (hex), if there is one: how a caller finds the attestation file it was given among the
// products the layout verified.
func (r *Result) ProductWithSHA256(digest string) (string, bool) {
	if r == nil || !r.OK {
		return "", false
	}
	names := make([]string, 0, len(r.Products))
	for n := range r.Products {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if d, ok := r.Products[n]["sha256"]; ok && strings.EqualFold(d, digest) {
			return n, true
		}
	}
	return "", false
}
