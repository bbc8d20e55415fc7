package strictjson

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestFoldKey(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"predicateType", "PredicateType", "predicate_type", "PREDICATE-TYPE", "predicatetype"},
		{"subject", "Subject", "SUBJECT", "sub_ject"},
		{"_type", "_Type", "type", "TYPE", "-type"},
		{"sha256", "SHA256", "sha_256"},
		{"kind", "\u212Aind"},     // Kelvin sign
		{"status", "\u017Ftatus"}, // long s
		{"straße", "STRAẞE"},
		{"σς", "ΣΣ", "ςσ"},
	}
	for _, group := range same {
		for _, n := range group[1:] {
			if FoldKey(n) != FoldKey(group[0]) {
				t.Errorf("FoldKey(%q) = %q, FoldKey(%q) = %q: want equal", n, FoldKey(n), group[0], FoldKey(group[0]))
			}
		}
	}
	differ := [][2]string{{"subject", "subjects"}, {"sha256", "sha512"}, {"a", "á"}, {"ss", "ß"}, {"i", "ı"}}
	for _, p := range differ {
		if FoldKey(p[0]) == FoldKey(p[1]) {
			t.Errorf("FoldKey(%q) == FoldKey(%q)", p[0], p[1])
		}
	}
}

// looseEqual is the reference: strings.EqualFold once '_' and '-' are removed.
func looseEqual(a, b string) bool {
	strip := strings.NewReplacer("_", "", "-", "")
	return strings.EqualFold(strip.Replace(a), strip.Replace(b))
}

// firstCollision is the naive O(n^2) reference: the first name (in order) equal to an
// earlier one under looseEqual, and that earlier name.
func firstCollision(names []string) (name, earlier string, ok bool) {
	for j := range names {
		for i := range j {
			if looseEqual(names[i], names[j]) {
				return names[j], names[i], true
			}
		}
	}
	return "", "", false
}

// alphabet mixes runes whose case folding orbits have two or three members, ASCII and not,
// runes that look alike but do not fold together, and the ignored '_' and '-'.
var alphabet = []rune("aAkK\u212AsS\u017F_-ßẞσςΣıiIİǅǄǆ1é")

func randomName(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestCheckAgreesWithNaiveFold compares Check's duplicate detection with the naive
// reference on random objects, at the top level and nested.
func TestCheckAgreesWithNaiveFold(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 2))
	collisions := 0
	for iter := range 20000 {
		names := make([]string, 1+r.IntN(12))
		for i := range names {
			names[i] = randomName(r)
		}
		var b strings.Builder
		b.WriteString(`{"outer":[{`)
		for i, n := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s:%d", strconv.Quote(n), i)
		}
		b.WriteString(`}]}`)
		err := Check([]byte(b.String()), nil)
		name, earlier, want := firstCollision(names)
		var se *Error
		switch {
		case want:
			collisions++
			if !errors.As(err, &se) || !errors.Is(err, ErrDuplicate) || se.Name != name || se.Other != earlier || se.Path != "$.outer[0]" {
				t.Fatalf("iteration %d: %q: naive finds %q after %q; Check says %v", iter, names, name, earlier, err)
			}
		case err != nil:
			t.Fatalf("iteration %d: %q: naive finds no collision; Check says %v", iter, names, err)
		}
		// Names alone agrees too.
		var set Names
		got := false
		for _, n := range names {
			if _, dup := set.Add(n); dup {
				got = true
				break
			}
		}
		if got != want {
			t.Fatalf("iteration %d: %q: Names.Add collides %v, naive %v", iter, names, got, want)
		}
	}
	if collisions < 1000 || collisions > 19000 {
		t.Fatalf("%d of 20000 random objects collide: the generator does not test both outcomes", collisions)
	}
}

// TestFoldKeyAgreesWithEqualFold checks the key against strings.EqualFold on random pairs.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2, 9))
	for range 200000 {
		a, b := randomName(r), randomName(r)
		if got, want := FoldKey(a) == FoldKey(b), looseEqual(a, b); got != want {
			t.Fatalf("%q vs %q: keys equal %v, EqualFold %v", a, b, got, want)
		}
	}
}
