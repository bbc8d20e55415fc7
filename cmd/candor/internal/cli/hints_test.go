package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// hintPub writes a trusted public key for verify.Run.
func hintPub(t *testing.T, dir string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "vendor.pub")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hintVerifier trusts the public key file pub, as a Go program would.
func hintVerifier(t *testing.T, pub string) *verify.Verifier {
	t.Helper()
	keys, err := verify.LoadKeys(context.Background(), []string{pub}, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(keys, verify.WithKeyNames(pub))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// libraryMessages runs verify as a Go program would and returns what it says where a
// person at the command line would need a flag: option errors and a verdict's reasons.
func libraryMessages(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	pub := hintPub(t, dir)
	bin := filepath.Join(dir, "app.bin")
	if err := os.WriteFile(bin, []byte("not really a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v := hintVerifier(t, pub)
	msgs := map[string]string{}

	_, err := verify.Run(ctx, v, verify.Inputs{Digests: []string{"sha256:" + strings.Repeat("ab", 32)}})
	if !errors.Is(err, verify.ErrOptions) {
		t.Fatalf("digest without attestation: %v, want verify.ErrOptions", err)
	}
	msgs["digest without attestation"] = err.Error()

	_, err = verify.Run(ctx, v, verify.Inputs{Artifacts: []string{bin}, Summary: &verify.SummaryOptions{Path: filepath.Join(dir, "s.json")}})
	if !errors.Is(err, verify.ErrOptions) {
		t.Fatalf("summary without key: %v, want verify.ErrOptions", err)
	}
	msgs["summary without key"] = err.Error()

	res, err := verify.Run(ctx, v, verify.Inputs{Artifacts: []string{bin}})
	if !errors.Is(err, verify.ErrNoAttestation) || res != nil {
		t.Fatalf("no attestation: %v, %+v", err, res)
	}
	msgs["no attestation (error)"] = err.Error()

	// An executable of a release that no attestation names (an ELF header is enough).
	rel := filepath.Join(dir, "release")
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 57)...)
	elf[16] = 2 // ET_EXEC
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rel, "tool"), elf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rel, "x.intoto.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = verify.Run(ctx, v, verify.Inputs{Artifacts: []string{rel}})
	if !errors.Is(err, verify.ErrSubject) || res == nil {
		t.Fatalf("unattested executable: %v, %+v", err, res)
	}
	for _, vd := range res.Verdicts {
		if vd.Artifact == filepath.Join(rel, "tool") {
			msgs["unattested (reason)"] = vd.Checks[0].Reasons[0]
		}
	}
	return msgs
}

// The library names options, never flags; the command line names the flags, and every
// option the hints know is one the library really names (no hint is left behind when a
// message changes).
func TestFlagHintsLibraryNamesOptions(t *testing.T) {
	t.Parallel()
	msgs := libraryMessages(t)
	for name, msg := range msgs {
		if strings.Contains(msg, "--") {
			t.Errorf("%s: the library names a flag: %s", name, msg)
		}
	}
	want := map[string]string{
		"digest without attestation": "(--attestation)",
		"summary without key":        "(--vsa-key)",
		"no attestation (error)":     "(or give --attestation FILE)",
		"unattested (reason)":        "(--allow-unattested)",
	}
	for name, flag := range want {
		if got := withFlags(msgs[name]); !strings.Contains(got, flag) {
			t.Errorf("%s: %q does not name %s", name, got, flag)
		}
	}
	for _, h := range optionFlags {
		if h.option == "(WithRescan)" {
			continue // needs a signed attestation: TestFlagHintsRescan
		}
		found := false
		for _, msg := range msgs {
			found = found || strings.Contains(msg, h.option)
		}
		if !found {
			t.Errorf("no library message names %s: the hint %s is stale", h.option, h.flag)
		}
	}
}

// errWithFlags changes the words, never the error: errors.Is, errors.As and the exit code
// see the library's error through it.
func TestFlagHintsKeepTheChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pub := hintPub(t, dir)
	_, lib := verify.Run(context.Background(), hintVerifier(t, pub), verify.Inputs{Digests: []string{"sha256:" + strings.Repeat("ab", 32)}})
	for name, err := range map[string]error{
		"library error": lib,
		"exit error":    &ExitError{Code: ExitNegative, Err: lib},
	} {
		got := errWithFlags(err)
		if !errors.Is(got, verify.ErrOptions) || !errors.Is(got, err) {
			t.Errorf("%s: %v lost the chain", name, got)
		}
		if ExitCode(got) != ExitCode(err) {
			t.Errorf("%s: exit code %d, want %d", name, ExitCode(got), ExitCode(err))
		}
		if !strings.Contains(got.Error(), "(--attestation)") || strings.Contains(got.Error(), "Inputs.") {
			t.Errorf("%s: %q", name, got)
		}
	}
	if errWithFlags(nil) != nil {
		t.Error("errWithFlags(nil) is not nil")
	}
	plain := errors.New("nothing to translate")
	if errWithFlags(plain) != plain {
		t.Error("an error naming no option is wrapped")
	}
}

// flagHints rewrites every message of a result (verdict errors and notes, check details
// and reasons, run notes), and the limits as before.
func TestFlagHintsResult(t *testing.T) {
	t.Parallel()
	res := &verify.Result{
		Notes: []string{"run note (WithRescan)"},
		Verdicts: []*verify.Verdict{{
			Message: "limit reached: signatures in the envelope: 2; the limit is 1 (Limits.MaxSignatures)",
			Notes:   []string{"note (Inputs.Attestations)"},
			Checks: []verify.Check{
				{Step: verify.StepRescan, Status: verify.Skip, Detail: "not asked (WithRescan)"},
				{Step: verify.StepSubject, Status: verify.Fail, Reasons: []string{"no attestation: a.intoto.json or a.intoto.jsonl is expected beside the artifact (or name it in Inputs.Attestations)"}},
			},
		}},
	}
	flagHints(res)
	flagHints(nil)
	vd := res.Verdicts[0]
	for _, c := range []struct{ got, want string }{
		{res.Notes[0], "run note (--rescan)"},
		{vd.Message, "limit reached: signatures in the envelope: 2; the limit is 1 (if the attestations are trusted, raise the limit with --max-signatures)"},
		{vd.Notes[0], "note (--attestation)"},
		{vd.Checks[0].Detail, "not asked (--rescan)"},
		{vd.Checks[1].Reasons[0], "no attestation: a.intoto.json or a.intoto.jsonl is expected beside the artifact (or give --attestation FILE)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
