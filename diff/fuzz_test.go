package diff

import (
	"bytes"
	"io"
	"testing"

	"github.com/candor-dev/candor/predicate"
)

// FuzzRead feeds the JSON readers (report, envelope, bundle) arbitrary bytes: they must
// never panic, and what they accept must compare with itself to no change and render in
// every format.
func FuzzRead(f *testing.F) {
	payload := statement(f, predicate.PredicateType, testPredicate(f, listenFinding()))
	env := envelope(f, payload, nil)
	f.Add(testReport(listenFinding()))
	f.Add(env)
	f.Add(bytes.Join([][]byte{[]byte("junk"), env, []byte(`{"payloadType": "x"}`)}, []byte("\n")))
	f.Add([]byte(`{"analyzer": {}, "artifacts": [{"path": "a", "members": [{"path": "b"}]}]}`))
	f.Add([]byte(`{}` + "\n" + `{}`))
	l, err := NewLoader()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := l.Read(ctx, "fuzz.json", data)
		if err != nil {
			return
		}
		res := Compare(in, in)
		if len(res.Changes) != 0 || res.HasNew() {
			t.Fatalf("an input differs from itself: %q", keys(res.Changes))
		}
		for _, w := range []func(io.Writer) error{res.WriteText, res.WriteJSON, res.WriteMarkdown} {
			if err := w(io.Discard); err != nil {
				t.Fatal(err)
			}
		}
		empty := &Input{Path: "empty", Kind: KindReport}
		for _, r := range []*Result{Compare(empty, in), Compare(in, empty)} {
			for _, w := range []func(io.Writer) error{r.WriteText, r.WriteJSON, r.WriteMarkdown} {
				if err := w(io.Discard); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
