package scan_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// The development corpus: real third-party binaries with documented behaviour,
// unpacked by testdata/corpus/fetch.sh into $CANDOR_CORPUS, and their ground
// truth in testdata/corpus/labels.tsv (see testdata/corpus/README.md).

// corpusLabel is one row of labels.tsv.
type corpusLabel struct {
	line   int
	binary string // path under the corpus root, slash-separated
	label  string // a capability id, "endpoint:HOST" or "endpoint-table:HOST@MODULE"
	want   bool
}

// corpusDir holds the corpus scripts and labels, relative to this package.
var corpusDir = filepath.Join("..", "testdata", "corpus")

// labelsPath locates labels.tsv: $CANDOR_CORPUS_LABELS, or else the repository's
// testdata/corpus/labels.tsv.
func labelsPath() string {
	if p := os.Getenv("CANDOR_CORPUS_LABELS"); p != "" {
		return p
	}
	return filepath.Join(corpusDir, "labels.tsv")
}

// readLabels parses labels.tsv: tab-separated binary, label, yes/no; lines
// starting with # and blank lines are comments.
func readLabels(path string) ([]corpusLabel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var labels []corpusLabel
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want 3 tab-separated fields, got %d: %q", path, n, len(fields), line)
		}
		l := corpusLabel{line: n, binary: fields[0], label: fields[1]}
		switch fields[2] {
		case "yes":
			l.want = true
		case "no":
		default:
			return nil, fmt.Errorf("%s:%d: expected must be yes or no, got %q", path, n, fields[2])
		}
		if host, ok := strings.CutPrefix(l.label, "endpoint:"); ok {
			if host == "" {
				return nil, fmt.Errorf("%s:%d: empty endpoint host", path, n)
			}
		} else if spec, ok := strings.CutPrefix(l.label, "endpoint-table:"); ok {
			if host, mod, ok := strings.Cut(spec, "@"); !ok || host == "" || mod == "" {
				return nil, fmt.Errorf("%s:%d: want endpoint-table:HOST@MODULE, got %q", path, n, l.label)
			}
		} else if _, ok := scan.CommitmentOf(scan.Capability(l.label)); !ok {
			return nil, fmt.Errorf("%s:%d: unknown capability %q", path, n, l.label)
		}
		if l.binary == "" || filepath.IsAbs(l.binary) || strings.Contains(l.binary, "..") {
			return nil, fmt.Errorf("%s:%d: binary must be a relative path under the corpus root: %q", path, n, l.binary)
		}
		labels = append(labels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	return labels, nil
}

// TestCorpusLabels checks that the label files parse, whether or not the corpus is
// there: labels.tsv (or $CANDOR_CORPUS_LABELS) and labels-upstream.tsv, which label
// the programs testdata/corpus/build-upstream.sh builds.
func TestCorpusLabels(t *testing.T) {
	for _, path := range []string{labelsPath(), filepath.Join(corpusDir, "labels-upstream.tsv")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			labels, err := readLabels(path)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, l := range labels {
				k := l.binary + "\t" + l.label
				if prev, ok := seen[k]; ok {
					t.Errorf("%s:%d: %s %s already labelled on line %d", path, l.line, l.binary, l.label, prev)
				}
				seen[k] = l.line
			}
		})
	}
}

// The corpus scripts are part of the repository, executable, so that a clone alone
// can fetch the corpus (CI runs sh testdata/corpus/fetch.sh DIR).
func TestCorpusScriptsAreInTheRepository(t *testing.T) {
	for _, name := range []string{"fetch.sh", "build-upstream.sh"} {
		fi, err := os.Stat(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: mode %v, want an executable regular file", name, fi.Mode())
		}
	}
}

// TestCorpus scans every labelled binary of the Debian corpus (fetch.sh) and
// checks every label of labels.tsv: a "yes" must be reported and a "no" must not.
func TestCorpus(t *testing.T) {
	root := os.Getenv("CANDOR_CORPUS")
	if root == "" {
		t.Skip("set CANDOR_CORPUS to a directory filled by testdata/corpus/fetch.sh to run the corpus tests")
	}
	if _, err := os.Stat(filepath.Join(root, ".done")); err != nil {
		t.Fatalf("CANDOR_CORPUS=%s is not a finished corpus (no .done): run sh testdata/corpus/fetch.sh %s", root, root)
	}
	labels, err := readLabels(labelsPath())
	if err != nil {
		t.Fatalf("corpus labels: %v (testdata/corpus/labels.tsv, or set CANDOR_CORPUS_LABELS)", err)
	}
	checkCorpus(t, root, filepath.Base(labelsPath()), labels, "sh testdata/corpus/fetch.sh "+root)
}

// TestCorpusUpstream scans the upstream builds (build-upstream.sh, into
// $CANDOR_CORPUS/upstream) and checks every label of labels-upstream.tsv the same
// way. It needs only that directory, not the Debian corpus.
func TestCorpusUpstream(t *testing.T) {
	root := os.Getenv("CANDOR_CORPUS")
	if root == "" {
		t.Skip("set CANDOR_CORPUS to a directory whose upstream/ was filled by testdata/corpus/build-upstream.sh to run the upstream corpus tests")
	}
	dir := filepath.Join(root, "upstream")
	labels, err := readLabels(filepath.Join(corpusDir, "labels-upstream.tsv"))
	if err != nil {
		t.Fatalf("upstream corpus labels: %v", err)
	}
	checkCorpus(t, dir, "labels-upstream.tsv", labels, "sh testdata/corpus/build-upstream.sh "+dir)
}

// corpusScore counts the labels that hold: positives are the capability labels
// wanted "yes", negatives every label wanted "no" (capabilities and endpoints),
// endpoints the endpoint labels wanted "yes".
type corpusScore struct {
	mu                                  sync.Mutex
	pos, posAll, neg, negAll, ep, epAll int
	failed                              []string
}

func (s *corpusScore) add(l corpusLabel, held bool, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := 0
	if held {
		ok = 1
	} else {
		s.failed = append(s.failed, name)
	}
	switch isEndpoint := strings.HasPrefix(l.label, "endpoint:") || strings.HasPrefix(l.label, "endpoint-table:"); {
	case !l.want:
		s.neg, s.negAll = s.neg+ok, s.negAll+1
	case isEndpoint:
		s.ep, s.epAll = s.ep+ok, s.epAll+1
	default:
		s.pos, s.posAll = s.pos+ok, s.posAll+1
	}
}

func (s *corpusScore) String() string {
	return fmt.Sprintf("positives %d/%d, negatives %d/%d, endpoints %d/%d",
		s.pos, s.posAll, s.neg, s.negAll, s.ep, s.epAll)
}

// checkCorpus scans every binary named in labels (paths under root) in parallel,
// checks each of its labels, and logs the score; file names the labels in
// failure messages, and remedy says how to make a missing binary.
func checkCorpus(t *testing.T, root, file string, labels []corpusLabel, remedy string) {
	var order []string
	byBinary := map[string][]corpusLabel{}
	for _, l := range labels {
		if _, ok := byBinary[l.binary]; !ok {
			order = append(order, l.binary)
		}
		byBinary[l.binary] = append(byBinary[l.binary], l)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	var score corpusScore
	t.Run("scan", func(t *testing.T) {
		for _, bin := range order {
			t.Run(bin, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(root, filepath.FromSlash(bin))
				failAll := func(format string, args ...any) {
					t.Helper()
					for _, l := range byBinary[bin] {
						score.add(l, false, fmt.Sprintf("%s:%d %s %s (not scanned)", file, l.line, bin, l.label))
					}
					t.Fatalf(format, args...)
				}
				if _, err := os.Stat(path); err != nil {
					failAll("%v: build or fetch the corpus first: %s", err, remedy)
				}
				a, err := s.ScanFile(t.Context(), path)
				if err != nil {
					failAll("ScanFile(%s): %v", path, err)
				}
				t.Logf("%s: %s %s %s, %d functions, %d modules, %d libraries; reported %s",
					bin, a.Format, a.Arch, a.GoVersion, a.Functions, len(a.Modules), len(a.Libraries), capabilityKey(a))
				for _, l := range byBinary[bin] {
					found := checkCorpusLabel(t, a, file, l)
					score.add(l, found == l.want, fmt.Sprintf("%s:%d %s %s", file, l.line, bin, l.label))
				}
			})
		}
	})
	t.Logf("%s: %s", file, &score)
	for _, f := range score.failed {
		t.Logf("failing: %s", f)
	}
}

// checkCorpusLabel reports whether the label's capability (or endpoint host) is
// among a's findings, and fails t when that is not what the label wants.
func checkCorpusLabel(t *testing.T, a *scan.Artifact, file string, l corpusLabel) bool {
	t.Helper()
	match := func(f scan.Finding) bool { return f.Capability == scan.Capability(l.label) }
	if host, ok := strings.CutPrefix(l.label, "endpoint:"); ok {
		match = func(f scan.Finding) bool {
			return f.Capability == scan.NetworkEndpoint && (f.Host == host || slices.Contains(f.Hosts, host))
		}
	}
	if spec, ok := strings.CutPrefix(l.label, "endpoint-table:"); ok {
		// The host is listed by an endpoint table of the module (its module, or
		// its package when the build info names none), and by no finding of
		// its own.
		host, mod, _ := strings.Cut(spec, "@")
		alone := false
		for _, f := range a.Findings {
			alone = alone || f.Capability == scan.NetworkEndpoint && f.Host == host
		}
		match = func(f scan.Finding) bool {
			return !alone && f.Rule == "endpoint.table" && slices.Contains(f.Hosts, host) && strings.HasPrefix(f.Module, mod)
		}
	}
	found := false
	for _, f := range a.Findings {
		if match(f) {
			found = true
			break
		}
	}
	switch {
	case l.want && !found:
		t.Errorf("%s:%d: %s: %s not reported (want yes)", file, l.line, l.binary, l.label)
	case !l.want && found:
		t.Errorf("%s:%d: %s: %s reported (want no):\n%s", file, l.line, l.binary, l.label, describe(a, match))
	}
	return found
}
