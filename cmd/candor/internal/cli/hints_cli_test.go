package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// TestFlagHintsRescan: the verify library says the re-scan was not asked for by naming its
// option; candor verify names the flag, in text and in JSON, as it always has.
func TestFlagHintsRescan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := phonehome(t, dir, "phonehome")
	priv, pub := writeKey(t, dir)
	disc := write(t, filepath.Join(dir, "disclosure.yaml"), hostileDisclosure("acme"))
	if code, _, stderr := candor("attest", "--disclosure", disc, "--key", priv, "-o", bin+".intoto.json", bin); code != 0 {
		t.Fatalf("attest exited %d: %s", code, stderr)
	}

	ctx := context.Background()
	keys, err := verify.LoadKeys(ctx, []string{pub}, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(keys, verify.WithKeyNames(pub))
	if err != nil {
		t.Fatal(err)
	}
	res, err := verify.Run(ctx, v, verify.Inputs{Artifacts: []string{bin}})
	if err != nil || !res.Passed || len(res.Verdicts) != 1 {
		t.Fatalf("verify.Run: %v, %+v", err, res)
	}
	var detail string
	for _, c := range res.Verdicts[0].Checks {
		if strings.Contains(c.Detail, "--") || strings.Contains(strings.Join(c.Reasons, " "), "--") {
			t.Errorf("the library names a flag: %+v", c)
		}
		if c.Step == verify.StepRescan {
			detail = c.Detail
		}
	}
	if detail != "not asked (WithRescan)" {
		t.Errorf("library rescan detail = %q, want the option named", detail)
	}

	code, stdout, stderr := candor("verify", "--key", pub, bin)
	if code != 0 || !regexp.MustCompile(`(?m)^  skip  rescan +not asked \(--rescan\)$`).MatchString(stdout) || strings.Contains(stdout, "WithRescan") {
		t.Errorf("verify exited %d:\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = candor("verify", "--key", pub, "--format", "json", bin)
	var out struct {
		Verdicts []struct {
			Checks []struct{ Step, Detail string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || len(out.Verdicts) != 1 {
		t.Fatalf("verify --format json exited %d (%v):\n%s%s", code, err, stdout, stderr)
	}
	found := false
	for _, c := range out.Verdicts[0].Checks {
		found = found || (c.Step == "rescan" && c.Detail == "not asked (--rescan)")
	}
	if !found {
		t.Errorf("JSON does not say the re-scan was not asked (--rescan):\n%s", stdout)
	}
}

// An option error from the library reaches the person with the flag to give, as a usage
// error (exit code 2).
func TestFlagHintsOptionError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, pub := writeKey(t, dir)
	code, stdout, stderr := candor("verify", "--key", pub, "--digest", "sha256:"+strings.Repeat("0", 64))
	if code != 2 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "needs its attestation file (--attestation)") || strings.Contains(stderr, "Inputs.") {
		t.Errorf("stderr = %q", stderr)
	}
}
