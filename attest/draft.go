package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// StaleMark is the comment a draft writes above an entry of the existing disclosure that no
// finding of the scan matches.
const StaleMark = "candor: no finding matches this entry"

// Draft is a disclosure manifest drafted from a scan (see [NewDraft]): the existing
// disclosure's entries, kept, and one entry for each group of findings they do not cover,
// with <placeholders> for what only the vendor knows and, as comments, the evidence behind
// each entry. Write it with [Draft.YAML] or [Draft.JSON].
type Draft struct {
	// Findings counts the findings of the scan, members' included; Uncovered counts those
	// the existing disclosure does not cover (all of them without one).
	Findings, Uncovered int
	// Added counts the entries drafted for the uncovered findings (the updates section
	// counts as one); Kept the entries of the existing disclosure; Stale the kept entries
	// that no finding matches, each marked with [StaleMark].
	Added, Kept, Stale int
	// Entries counts the endpoints and accepted entries of the draft: the entries a
	// truthful disclosure of the release needs for its hosts.
	Entries int

	doc *ymap
}

// NewDraft drafts a disclosure for the scanned release. With an existing disclosure (nil
// for none) it keeps its product, security and every entry, in their order, marks the
// entries no finding matches, and adds entries, sorted, for the findings it does not cover.
// The output is deterministic: the same report and disclosure give the same bytes.
func NewDraft(rep *scan.Report, existing *Disclosure) (*Draft, error) {
	if rep == nil || len(rep.Artifacts) == 0 {
		return nil, fmt.Errorf("%w: the report has no artifacts", ErrOptions)
	}
	all := reportFindings(rep)
	var decl predicate.Declarations
	if existing != nil {
		decl = existing.Declarations
	}
	var uncovered []located
	for _, l := range all {
		if decl.Cover(l.f) == "" {
			if u := (&Disclosure{Declarations: decl}).Suggest(l.artifact, l.f); u.Note != "" {
				l.note = u.Note
			}
			uncovered = append(uncovered, l)
		}
	}
	d := &Draft{Findings: len(all), Uncovered: len(uncovered)}
	sugg := suggest(uncovered)

	names := subjectNames(rep.Artifacts)
	doc := &ymap{}
	doc.set("apiVersion", DisclosureAPIVersion, draftHeader(names, existing != nil)...)
	if existing != nil {
		doc.set("product", tree(existing.Product))
		doc.set("security", tree(existing.Security))
	} else {
		doc.set("product", (&ymap{}).set("name", "<product name>").set("version", "<version>").set("vendor", "<vendor name>"))
		doc.set("security", (&ymap{}).
			set("contact", "<security contact as an email address or an https URL>").
			set("policy", "<https URL of the vulnerability disclosure policy>").
			set("notificationDays", "<days within which users hear of a serious vulnerability>"))
	}
	kept := keptEntries(existing, all)
	for _, sec := range sections {
		var added []suggestion
		for _, s := range sugg {
			if s.section == sec {
				added = append(added, s)
			}
		}
		if sec == "updates" {
			d.addUpdates(doc, kept, added)
			continue
		}
		seq := &yseq{}
		for _, k := range kept[sec] {
			seq.add(k.val, k.comment...)
			d.Kept++
			if k.stale {
				d.Stale++
			}
		}
		for _, s := range added {
			seq.add(s.entry, s.comment...)
			d.Added++
		}
		if len(seq.items) > 0 {
			if sec == "endpoints" || sec == "accepted" {
				d.Entries += len(seq.items)
			}
			doc.set(sec, seq)
		}
	}
	d.doc = doc
	return d, nil
}

// addUpdates writes the updates section: the existing one, kept (with the evidence of
// update findings it does not cover as comments: a disclosure has one updates section),
// or the drafted one.
func (d *Draft) addUpdates(doc *ymap, kept map[string][]keptEntry, added []suggestion) {
	ks := kept["updates"]
	switch {
	case len(ks) > 0:
		k := ks[0]
		d.Kept++
		if k.stale {
			d.Stale++
		}
		c := k.comment
		for _, s := range added {
			c = append(c, append([]string{"candor: this section does not cover the update findings below: change the mechanism to " + s.entry.get("mechanism").(string)}, s.comment...)...)
		}
		doc.set("updates", k.val, c...)
	case len(added) > 0:
		d.Added++
		doc.set("updates", added[0].entry, added[0].comment...)
	}
}

// draftHeader is the comment at the top of a draft.
func draftHeader(names []string, merged bool) []string {
	c := []string{
		"A disclosure drafted by 'candor disclose' from a scan of " + listSome(names, 6) + ".",
		"",
		"Replace every <placeholder> with what is true of the release: candor attest",
		"refuses a disclosure that still holds one. Comments starting with \"candor:\"",
		"show the evidence behind an entry; delete them when you like.",
		"A host the software never contacts can move to accepted: with a reason, and",
		"an accepted entry must name why the finding is harmless, not merely that it is.",
	}
	if merged {
		c = append(c, "Entries of the existing disclosure are kept; those marked \""+StaleMark+"\"",
			"cover nothing in this release: delete them unless a later release needs them.")
	}
	return c
}

// YAML returns the draft as a YAML document with its comments.
func (d *Draft) YAML() []byte {
	var b bytes.Buffer
	d.doc.writeYAML(&b, "")
	return b.Bytes()
}

// JSON returns the draft as an indented JSON disclosure: the same entries and
// placeholders, without the comments. Characters a terminal would act on are \u escapes.
func (d *Draft) JSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, d.doc); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return termsafe.JSON(out.Bytes()), nil
}

// SuggestYAML returns one YAML block that would cover the uncovered findings, grouped as
// a draft groups them (see [NewDraft]), each entry with the evidence behind it as comments;
// "" when there are none.
func SuggestYAML(us []Uncovered) string {
	ls := make([]located, len(us))
	for i, u := range us {
		ls[i] = located{artifact: u.Artifact, f: u.Finding, note: u.Note}
	}
	sugg := suggest(ls)
	doc := &ymap{}
	for _, sec := range sections {
		seq := &yseq{}
		for _, s := range sugg {
			if s.section != sec {
				continue
			}
			if sec == "updates" {
				doc.set("updates", s.entry, s.comment...)
				continue
			}
			seq.add(s.entry, s.comment...)
		}
		if len(seq.items) > 0 {
			doc.set(sec, seq)
		}
	}
	var b bytes.Buffer
	doc.writeYAML(&b, "")
	return b.String()
}

// reportFindings lists every finding of the report, members' included, with the name of its
// artifact as attest names it.
func reportFindings(rep *scan.Report) []located {
	var out []located
	var walk func(display string, a scan.Artifact)
	walk = func(display string, a scan.Artifact) {
		for _, f := range a.Findings {
			out = append(out, located{artifact: display, f: f})
		}
		for _, m := range a.Members {
			walk(display+"!/"+m.Path, m)
		}
	}
	for i, name := range subjectNames(rep.Artifacts) {
		walk(name, rep.Artifacts[i])
	}
	return out
}

// keptEntry is an entry of the existing disclosure as a draft writes it.
type keptEntry struct {
	val     any
	comment []string
	stale   bool
}

// keptEntries converts the existing disclosure's entries, section by section, marking each
// that no finding matches. An entry is judged alone (as if it were the only entry of the
// disclosure), against the findings of the capabilities it is about: a second endpoint that
// matches a host the first covers already is not stale, and an endpoint is not kept alive by
// a network.connect finding that any endpoint would cover.
func keptEntries(existing *Disclosure, fs []located) map[string][]keptEntry {
	out := map[string][]keptEntry{}
	if existing == nil {
		return out
	}
	x := existing.Declarations
	add := func(sec string, v any, alone predicate.Declarations, caps ...scan.Capability) {
		k := keptEntry{val: tree(v), stale: !matchesAny(alone, fs, caps)}
		if k.stale {
			k.comment = []string{StaleMark}
		}
		out[sec] = append(out[sec], k)
	}
	for _, e := range x.Endpoints {
		add("endpoints", e, predicate.Declarations{Endpoints: []predicate.Endpoint{e}}, scan.NetworkEndpoint)
	}
	for _, e := range x.ConfiguredEndpoints {
		add("configuredEndpoints", e, predicate.Declarations{ConfiguredEndpoints: []predicate.ConfiguredEndpoint{e}}, scan.NetworkConnect)
	}
	for _, e := range x.Listeners {
		add("listeners", e, predicate.Declarations{Listeners: []predicate.Listener{e}}, scan.NetworkListen)
	}
	for _, e := range x.RemoteControl {
		add("remoteControl", e, predicate.Declarations{RemoteControl: []predicate.RemoteControl{e}}, e.Capability)
	}
	for _, e := range x.Telemetry {
		add("telemetry", e, predicate.Declarations{Telemetry: []predicate.Telemetry{e}}, scan.TelemetrySDK, scan.NetworkEndpoint)
	}
	if u := x.Updates; u != nil {
		k := keptEntry{val: tree(u)}
		// "mechanism: none" declares the absence of update code: it matches nothing by design.
		if u.Mechanism != predicate.UpdateNone && !matchesAny(predicate.Declarations{Updates: u}, fs,
			[]scan.Capability{scan.UpdateCheck, scan.UpdateSelf, scan.UpdateFetchExec, scan.NetworkEndpoint}) {
			k.stale, k.comment = true, []string{StaleMark}
		}
		out["updates"] = append(out["updates"], k)
	}
	for _, e := range x.Accepted {
		add("accepted", e, predicate.Declarations{Accepted: []predicate.Accepted{e}})
	}
	return out
}

// matchesAny reports whether the declarations cover one of the findings of the given
// capabilities (of any capability when none is given).
func matchesAny(d predicate.Declarations, fs []located, caps []scan.Capability) bool {
	for _, l := range fs {
		if len(caps) > 0 && !slices.Contains(caps, l.f.Capability) {
			continue
		}
		if d.Cover(l.f) != "" {
			return true
		}
	}
	return false
}

// tree converts a value of the disclosure's Go types to a draft's tree, keys in the order
// of the JSON encoding (the Go fields' order), so that a kept entry keeps every field it has.
func tree(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := readTree(dec)
	if err != nil {
		return nil
	}
	return t
}

func readTree(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := &ymap{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readTree(dec)
				if err != nil {
					return nil, err
				}
				m.set(k.(string), v)
			}
			_, err := dec.Token()
			return m, err
		case '[':
			s := &yseq{}
			for dec.More() {
				v, err := readTree(dec)
				if err != nil {
					return nil, err
				}
				s.add(v)
			}
			_, err := dec.Token()
			return s, err
		}
	case string, json.Number, bool:
		return x, nil
	case nil:
		return "", nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}
