package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Issue 9, class 4: a 260 KB predicate with 3,300 nested members took about 0.8 GB to
// validate, the location copied at every level. These tests hold validation to a cost linear
// in size and depth, and to refusing documents nested deeper than MaxDepth.

// nestedPredicate writes a predicate whose first artifact holds members nested depth levels
// deep (analysis.artifacts[0].members[0].members[0]...), where the predicate schema lets a
// document nest without end. With bad, the innermost member has an unknown field, so that
// validation reports a violation at the bottom.
func nestedPredicate(depth int, bad bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"product":{"name":"agent","version":"1.0.0","vendor":"ACME"},` +
		`"security":{"contact":"security@acme.example","policy":"https://acme.example/security","notificationDays":30},` +
		`"disclosure":{},` +
		`"verdict":{"noUndisclosedRemoteControl":{"holds":true,"findings":0,"disclosed":0,"accepted":0,"undisclosed":0},` +
		`"noUndisclosedExfiltration":{"holds":true,"findings":0,"disclosed":0,"accepted":0,"undisclosed":0},` +
		`"noForcedUpgrade":{"holds":true,"findings":0,"disclosed":0,"accepted":0,"undisclosed":0}},` +
		`"scannedAt":"2026-01-02T03:04:05Z",` +
		`"analysis":{"analyzer":{"name":"candor","version":"v1.0.0","rulesVersion":"1","rulesDigest":"sha256:ab"},` +
		`"artifacts":[{"name":"agent.tar","digest":{"sha256":"` + strings.Repeat("ab", 32) + `"},"size":1,` +
		`"format":"tar","arch":"","findings":[]`)
	for i := range depth {
		fmt.Fprintf(&b, `,"members":[{"name":"bin/member-%05d","format":"elf","arch":"amd64","findings":[]`, i)
	}
	if bad {
		b.WriteString(`,"zzUnknown":true`)
	}
	for range depth {
		b.WriteString(`}]`)
	}
	b.WriteString(`}]}}`)
	return b.Bytes()
}

// decodeNested decodes nestedPredicate as verify does (encoding/json, numbers as float64).
func decodeNested(t testing.TB, depth int, bad bool) any {
	t.Helper()
	var doc any
	if err := json.Unmarshal(nestedPredicate(depth, bad), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// withModules returns the nested predicate of depth 0 with artifacts[0].mainModule holding a
// chain of n replace modules, the other place the predicate schema recurses.
func withModules(t testing.TB, n int) any {
	t.Helper()
	doc := decodeNested(t, 0, false)
	m := map[string]any{"path": "example.com/m" + strconv.Itoa(n)}
	for i := n - 1; i >= 0; i-- {
		m = map[string]any{"path": "example.com/m" + strconv.Itoa(i), "replace": m}
	}
	art := doc.(map[string]any)["analysis"].(map[string]any)["artifacts"].([]any)[0].(map[string]any)
	art["mainModule"] = m
	return doc
}

// nestedArray returns [[[...[x]...]]], n arrays deep.
func nestedArray(n int, x any) any {
	for range n {
		x = []any{x}
	}
	return x
}

func mustSchema(t testing.TB, id string) *schema {
	t.Helper()
	s, err := schemaOf(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// allocated returns the bytes one validation of doc allocates, on average over runs, with
// the depth bound lifted so that the cost of descending is measured.
func allocated(t testing.TB, s *schema, doc any, runs int) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		if err := s.check(PredicateV1, doc, 1<<20); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestValidateLinearInDepth: the memory validation allocates grows linearly with the depth
// of nesting, valid or with a violation at the bottom. Copying the location at every level
// (as before) makes 3,300 levels cost about 1,000 times 100 levels, not 33 times.
func TestValidateLinearInDepth(t *testing.T) {
	s := mustSchema(t, PredicateV1)
	for _, bad := range []bool{false, true} {
		var got []uint64
		for _, depth := range []int{100, 1000, 3300} {
			doc := decodeNested(t, depth, bad)
			err := s.check(PredicateV1, doc, 1<<20)
			if bad != (err != nil) {
				t.Fatalf("depth %d, bad %v: %v", depth, bad, err)
			}
			if bad {
				var se *Error
				if !errors.As(err, &se) || len(se.Violations) != 1 || len(se.Violations[0].Field) != 3+2*depth+1 {
					t.Fatalf("depth %d: want one violation at the bottom, got %v", depth, err)
				}
			}
			got = append(got, allocated(t, s, doc, 3))
		}
		t.Logf("bad=%v: %d, %d, %d bytes for depth 100, 1000, 3300", bad, got[0], got[1], got[2])
		if got[2] > 40*got[0] {
			t.Errorf("bad=%v: depth 3300 allocates %d bytes, more than 40 times depth 100 (%d): not linear", bad, got[2], got[0])
		}
		// The cost per level from 1,000 to 3,300 stays that from 100 to 1,000.
		low, high := float64(got[1]-got[0])/900, float64(got[2]-got[1])/2300
		if high > 1.5*low {
			t.Errorf("bad=%v: %.0f bytes per level from depth 1000 on, %.0f below: grows faster than linearly", bad, high, low)
		}
	}
}

// TestValidateRefusesDeep: a value deeper than MaxDepth, in each place the schemas descend
// without end (nested members, replace chains, items compared for uniqueItems), gives an
// *Error wrapping ErrDepth (and ErrInvalid) at the location where it was met; at MaxDepth the
// same documents pass the depth check.
func TestValidateRefusesDeep(t *testing.T) {
	policy := func(allowed any) any {
		return map[string]any{"apiVersion": "candor.dev/policy/v1", "updates": map[string]any{"allowedMechanisms": allowed}}
	}
	disclosure := func(ports any) any {
		d := minimalDisclosure()
		d["endpoints"] = []any{map[string]any{"host": "a.example", "purpose": "p", "data": []any{}, "consent": "always", "ports": ports}}
		return d
	}
	tests := []struct {
		name     string
		id       string
		ok, deep any // ok nests MaxDepth deep, deep one more
		// wantAt is the start of the location ErrDepth names.
		wantAt []string
	}{
		{"nested members", PredicateV1, decodeNested(t, 30, false), decodeNested(t, 31, false), []string{"analysis", "artifacts", "0", "members", "0"}},
		{"nested members with a violation at the bottom", PredicateV1, decodeNested(t, 30, true), decodeNested(t, 31, true), []string{"analysis", "artifacts", "0", "members"}},
		{"replace chain", PredicateV1, withModules(t, 59), withModules(t, 60), []string{"analysis", "artifacts", "0", "mainModule", "replace"}},
		// The items are compared for uniqueItems before their type is checked.
		{"policy uniqueItems", PolicyV1, policy([]any{"none", nestedArray(61, "x")}), policy([]any{"none", nestedArray(62, "x")}), []string{"updates", "allowedMechanisms", "1", "0", "0"}},
		{"disclosure uniqueItems", DisclosureV1, disclosure([]any{json.Number("1"), nestedArray(60, json.Number("1"))}), disclosure([]any{json.Number("1"), nestedArray(61, json.Number("1"))}), []string{"endpoints", "0", "ports", "1", "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := docDepth(tt.ok); d != MaxDepth {
				t.Fatalf("ok document nests %d deep, want %d", d, MaxDepth)
			}
			if err := Validate(tt.id, tt.ok); errors.Is(err, ErrDepth) {
				t.Fatalf("at MaxDepth: %v", err)
			}
			err := Validate(tt.id, tt.deep)
			if !errors.Is(err, ErrDepth) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrDepth", err)
			}
			var se *Error
			if !errors.As(err, &se) || len(se.Violations) != 1 {
				t.Fatalf("got %#v, want one violation", err)
			}
			v := se.Violations[0]
			if len(v.Field) != MaxDepth+1 || !slices.Equal(v.Field[:len(tt.wantAt)], tt.wantAt) || v.Keyword != "depth" {
				t.Errorf("violation at %v (%d tokens), keyword %q; want MaxDepth+1 tokens from %v", v.Field, len(v.Field), v.Keyword, tt.wantAt)
			}
			if !strings.Contains(err.Error(), "nested more than 64 levels deep") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// TestValidateDeepCostBounded: refusing a document nested 3,300 deep costs what refusing
// one nested 100 deep does: validation stops at MaxDepth.
func TestValidateDeepCostBounded(t *testing.T) {
	measure := func(depth int) uint64 {
		doc := decodeNested(t, depth, true)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range 20 {
			if err := ValidatePredicate(doc); !errors.Is(err, ErrDepth) {
				t.Fatalf("depth %d: got %v, want ErrDepth", depth, err)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 20
	}
	// What the siblings of analysis cost depends on whether they come before it in the map
	// order: up to about 2.5 times the least. Going on to the bottom costs 40 times more.
	if err := ValidatePredicate(decodeNested(t, 1, false)); err != nil { // first use sets things up
		t.Fatal(err)
	}
	shallow, deep := measure(100), measure(3300)
	t.Logf("refusing: %d bytes at depth 100, %d at depth 3300", shallow, deep)
	if deep > 3*shallow {
		t.Errorf("refusing depth 3300 allocates %d bytes, depth 100 %d: validation went on past MaxDepth", deep, shallow)
	}
}

// TestUnknownDeepFieldNotDescended: a deep value under an unknown field is an unknown field,
// not a depth error: validation does not look into it.
func TestUnknownDeepFieldNotDescended(t *testing.T) {
	doc := map[string]any{"apiVersion": "candor.dev/policy/v1", "zz": nestedArray(5000, "x")}
	err := ValidatePolicy(doc)
	var se *Error
	if !errors.As(err, &se) || errors.Is(err, ErrDepth) || len(se.Violations) != 1 || se.Violations[0].Keyword != "additionalProperties" {
		t.Fatalf("got %v, want one unknown field", err)
	}
}

// TestValidatePredicateJSONDepth: JSON nested deeper than MaxDepth is refused before it is
// decoded, with ErrDepth; at MaxDepth it is decoded and validated.
func TestValidatePredicateJSONDepth(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		deep bool
	}{
		{"3,300 nested members", nestedPredicate(3300, false), true},
		// 30 members: the innermost findings array is the 65th array or object.
		{"30 nested members", nestedPredicate(30, false), true},
		{"29 nested members", nestedPredicate(29, false), false},
		{"deep under an unknown field", []byte(strings.Replace(string(nestedPredicate(0, false)), `{`, `{"zz":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`,`, 1)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePredicateJSON(tt.data)
			if errors.Is(err, ErrDepth) != tt.deep || (tt.deep && !errors.Is(err, ErrInvalid)) || (!tt.deep && err != nil && !strings.Contains(tt.name, "unknown")) {
				t.Errorf("got %v, want ErrDepth %v", err, tt.deep)
			}
		})
	}
	// Case variants of a member name are refused too (issue 9, class 2).
	dup := strings.Replace(string(nestedPredicate(0, false)), `"scannedAt"`, `"ScannedAt":"2020-01-01T00:00:00Z","scannedAt"`, 1)
	if err := ValidatePredicateJSON([]byte(dup)); !errors.Is(err, ErrInvalid) || errors.Is(err, ErrDepth) {
		t.Errorf("case variant: got %v, want ErrInvalid", err)
	}
}

// TestViolationsBounded: an *Error lists at most MaxViolations, the first by field, and
// counts the rest, whether the tree kept them all or only maxFailures.
func TestViolationsBounded(t *testing.T) {
	ref := reference(t)
	for _, n := range []int{MaxViolations, MaxViolations + 1, 500, 5000, 10000} {
		hosts := make([]any, n)
		for i := range hosts {
			hosts[i] = json.Number("1")
		}
		doc := map[string]any{"apiVersion": "candor.dev/policy/v1", "endpoints": map[string]any{"allow": hosts}}
		err := ValidatePolicy(doc)
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("%d bad hosts: got %v", n, err)
		}
		if want := min(n, MaxViolations); len(se.Violations) != want || se.Omitted != n-want {
			t.Errorf("%d bad hosts: %d listed, %d omitted; want %d and %d", n, len(se.Violations), se.Omitted, want, n-want)
		}
		for i, v := range se.Violations {
			if want := []string{"endpoints", "allow", strconv.Itoa(i)}; !slices.Equal(v.Field, want) {
				t.Fatalf("%d bad hosts: violation %d at %v, want %v", n, i, v.Field, want)
			}
		}
		if n > MaxViolations && !strings.HasSuffix(err.Error(), fmt.Sprintf("\nand %d more violations", n-MaxViolations)) {
			t.Errorf("%d bad hosts: message does not end with the count", n)
		}
		if n <= 500 {
			if ok, got, want := compare(t, ref, PolicyV1, doc); !ok {
				t.Errorf("%d bad hosts: differs from jsonschema/v6:\n%s\nwant a prefix of\n%s", n, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	// An object with many unknown fields: the tree keeps maxFailures names.
	doc := map[string]any{"apiVersion": "candor.dev/policy/v1"}
	for i := range 5000 {
		doc[fmt.Sprintf("zz%05d", i)] = true
	}
	var se *Error
	if err := ValidatePolicy(doc); !errors.As(err, &se) || len(se.Violations) != MaxViolations || se.Omitted != 5000-MaxViolations || se.elided != 5000-maxFailures {
		t.Errorf("5000 unknown fields: got %d listed, %d omitted (%d elided)", len(se.Violations), se.Omitted, se.elided)
	}
}

// TestDeepMatchesReference: within MaxDepth, deep documents get jsonschema/v6's violations,
// locations included.
func TestDeepMatchesReference(t *testing.T) {
	ref := reference(t)
	for _, doc := range []any{decodeNested(t, 30, false), decodeNested(t, 30, true), decodeNested(t, 12, true), withModules(t, 59)} {
		mutations(doc, func(d any) {
			if ok, got, want := compare(t, ref, PredicateV1, d); !ok {
				t.Fatalf("got:\n  %s\nwant (jsonschema/v6):\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// BenchmarkValidateDeep validates the nested predicate at several depths: the bytes and
// time per level stay the same. "refused" is Validate on 3,300 levels, which stops at MaxDepth.
func BenchmarkValidateDeep(b *testing.B) {
	s := mustSchema(b, PredicateV1)
	for _, depth := range []int{100, 1000, 3300} {
		for _, bad := range []bool{false, true} {
			doc := decodeNested(b, depth, bad)
			b.Run(fmt.Sprintf("depth=%d/bad=%v", depth, bad), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = s.check(PredicateV1, doc, 1<<20)
				}
			})
		}
	}
	doc := decodeNested(b, 3300, false)
	b.Run("refused", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ValidatePredicate(doc); !errors.Is(err, ErrDepth) {
				b.Fatal(err)
			}
		}
	})
}

// TestMeasureDeepPredicate logs the cost of validating the 260 KB, 3,300-deep predicate of
// issue 9, as Validate does (refused at MaxDepth) and with the depth bound lifted. It runs
// only with CANDOR_MEASURE=1; run it alone under /usr/bin/time -v for the peak memory.
func TestMeasureDeepPredicate(t *testing.T) {
	if os.Getenv("CANDOR_MEASURE") == "" {
		t.Skip("set CANDOR_MEASURE=1 to measure")
	}
	s := mustSchema(t, PredicateV1)
	for _, bad := range []bool{false, true} {
		raw := nestedPredicate(3300, bad)
		doc := decodeNested(t, 3300, bad)
		for _, maxDepth := range []int{MaxDepth, 1 << 20} {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := s.check(PredicateV1, doc, maxDepth)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			msg := "<nil>"
			if err != nil {
				msg = err.Error()
				if len(msg) > 120 {
					msg = msg[:60] + "..." + msg[len(msg)-60:]
				}
			}
			t.Logf("bad=%v maxDepth=%d: %d bytes of JSON, validated in %v, %d KB allocated, %d GCs: %s",
				bad, maxDepth, len(raw), took, (after.TotalAlloc-before.TotalAlloc)>>10, after.NumGC-before.NumGC, msg)
		}
	}
}
