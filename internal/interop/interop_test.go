//go:build interop

package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// cosignVersion is the cosign release the tests build; keep it on the v2.6 line the issue
// names.
const cosignVersion = "v2.6.5"

const password = "interop-pw"

var cosignPath = sync.OnceValues(func() (string, error) {
	return goInstall("github.com/sigstore/cosign/v2/cmd/cosign", cosignVersion)
})

// goInstall builds the command at pkg@version from the module proxy once into the interop
// cache ($CANDOR_INTEROP_CACHE, else the user cache) and returns its path.
func goInstall(pkg, version string) (string, error) {
	dir := os.Getenv("CANDOR_INTEROP_CACHE")
	if dir == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(c, "candor-interop")
	}
	name := filepath.Base(pkg)
	bin := filepath.Join(dir, name+"-"+version)
	exe := filepath.Join(bin, name)
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "install", pkg+"@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{name: name, out: out, err: err}
	}
	return exe, nil
}

type buildError struct {
	name string
	out  []byte
	err  error
}

func (e *buildError) Error() string {
	return "building " + e.name + ": " + e.err.Error() + "\n" + string(e.out)
}

// cosign runs cosign in dir with an environment that keeps it off the network, and returns
// its standard output and error together.
func cosign(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := cosignOut(t, dir, args...)
	return stdout + stderr, err
}

// cosignOut runs cosign as [cosign] does and returns standard output and error apart.
func cosignOut(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	exe, err := cosignPath()
	if err != nil {
		t.Fatal(err)
	}
	return runCosign(t, exe, dir, nil, args...)
}

// runCosign runs the cosign at exe in dir with the environment of [cosignOut] and env
// after it.
func runCosign(t *testing.T, exe, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"TUF_ROOT="+filepath.Join(home, "tuf"),
		"COSIGN_PASSWORD="+password,
		"COSIGN_EXPERIMENTAL=0",
		"SIGSTORE_NO_CACHE=true",
	)
	cmd.Env = append(cmd.Env, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// oneFile scans nothing: it reports one artifact with the real digest of a file and no
// findings. The scanner is not under test here, the envelope format is.
type oneFile struct{}

func (oneFile) Run(_ context.Context, paths []string) (*scan.Report, error) {
	rep := &scan.Report{Analyzer: scan.Analyzer{Name: "candor", Version: "interop", RulesVersion: "1", RulesDigest: "sha256:00"}}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		rep.Artifacts = append(rep.Artifacts, scan.Artifact{
			Path: p, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Format: "elf", Arch: "amd64", Findings: []scan.Finding{},
		})
	}
	return rep, nil
}

const disclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: interop, version: "1.0.0", vendor: candor}
security: {contact: security@candor.dev, policy: "https://candor.dev/security", notificationDays: 30}
`

// attestFile signs an attestation for artifact with the given keys and returns its path.
func attestFile(t *testing.T, dir, artifact, out string, keyRefs ...string) string {
	t.Helper()
	disc := filepath.Join(dir, "disclosure.yaml")
	if err := os.WriteFile(disc, []byte(disclosure), 0o644); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(dir, out)
	_, err := attest.Run(context.Background(), attest.Options{
		DisclosurePath: disc,
		Artifacts:      []string{artifact},
		Scanner:        oneFile{},
		Keys:           keyRefs,
		KeyOptions:     signing.Options{Password: signing.StaticPassword([]byte(password))},
		Output:         out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeArtifact(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "artifact.bin")
	if err := os.WriteFile(p, []byte("release bits "+t.Name()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func candorKey(t *testing.T, dir string, alg signing.Algorithm) (priv, pub string) {
	t.Helper()
	priv, pub = filepath.Join(dir, "candor.key"), filepath.Join(dir, "candor.pub")
	if _, err := signing.Generate(signing.KeygenOptions{PrivatePath: priv, PublicPath: pub, Algorithm: alg, Password: signing.StaticPassword([]byte(password))}); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func verifyBlobAttestation(t *testing.T, dir, pub, envelope, artifact string, extra ...string) (string, error) {
	args := append([]string{"verify-blob-attestation", "--key", pub, "--type", predicate.PredicateType,
		"--insecure-ignore-tlog", "--signature", envelope}, extra...)
	return cosign(t, dir, append(args, artifact)...)
}

// TestCosignVerifiesCandorAttestation: an envelope signed with a candor keygen key verifies
// with cosign verify-blob-attestation, for each key type, as .intoto.json and .intoto.jsonl;
// a changed artifact does not.
func TestCosignVerifiesCandorAttestation(t *testing.T) {
	for _, tt := range []struct {
		alg   signing.Algorithm
		extra []string
	}{
		{signing.ECDSAP256, nil},
		{signing.ECDSAP384, []string{"--signature-digest-algorithm", "sha384"}},
		{signing.Ed25519, nil},
		{signing.RSA3072, nil},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			dir := t.TempDir()
			priv, pub := candorKey(t, dir, tt.alg)
			artifact := writeArtifact(t, dir)
			for _, name := range []string{"a.intoto.json", "a.intoto.jsonl"} {
				env := attestFile(t, dir, artifact, name, priv)
				if out, err := verifyBlobAttestation(t, dir, pub, env, artifact, tt.extra...); err != nil {
					t.Fatalf("cosign rejected %s: %v\n%s", name, err, out)
				}
			}
			env := filepath.Join(dir, "a.intoto.json")
			other := filepath.Join(dir, "other.bin")
			if err := os.WriteFile(other, []byte("other bits"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := verifyBlobAttestation(t, dir, pub, env, other, tt.extra...); err == nil {
				t.Fatalf("cosign accepted the attestation for another artifact:\n%s", out)
			}
		})
	}
}

// TestCosignVerifiesEachOfSeveralSignatures: one envelope, two keys; cosign accepts it with
// either public key.
func TestCosignVerifiesEachOfSeveralSignatures(t *testing.T) {
	dir := t.TempDir()
	d1, d2 := filepath.Join(dir, "one"), filepath.Join(dir, "two")
	if err := os.Mkdir(d1, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(d2, 0o755); err != nil {
		t.Fatal(err)
	}
	k1, p1 := candorKey(t, d1, signing.ECDSAP256)
	k2, p2 := candorKey(t, d2, signing.Ed25519)
	artifact := writeArtifact(t, dir)
	env := attestFile(t, dir, artifact, "a.intoto.json", k1, k2)
	for _, pub := range []string{p1, p2} {
		if out, err := verifyBlobAttestation(t, dir, pub, env, artifact); err != nil {
			t.Fatalf("cosign rejected the envelope with %s: %v\n%s", pub, err, out)
		}
	}
}

// TestCandorSignsWithCosignKey: a key from cosign generate-key-pair works as candor's --key,
// and cosign verifies the result with its public key.
func TestCandorSignsWithCosignKey(t *testing.T) {
	dir := t.TempDir()
	if out, err := cosign(t, dir, "generate-key-pair"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	artifact := writeArtifact(t, dir)
	env := attestFile(t, dir, artifact, "a.intoto.json", filepath.Join(dir, "cosign.key"))
	if out, err := verifyBlobAttestation(t, dir, filepath.Join(dir, "cosign.pub"), env, artifact); err != nil {
		t.Fatalf("cosign rejected candor's envelope signed with cosign's key: %v\n%s", err, out)
	}
}

// TestCosignSignsWithCandorKey: a key from candor keygen works in cosign: sign-blob and
// verify-blob, and an attest-blob envelope that candor's verifier accepts with the public key.
func TestCosignSignsWithCandorKey(t *testing.T) {
	dir := t.TempDir()
	priv, pub := candorKey(t, dir, signing.ECDSAP256)
	artifact := writeArtifact(t, dir)
	sig := filepath.Join(dir, "artifact.sig")
	if out, err := cosign(t, dir, "sign-blob", "--key", priv, "--tlog-upload=false", "--yes", "--output-signature", sig, artifact); err != nil {
		t.Fatalf("cosign sign-blob with candor's key: %v\n%s", err, out)
	}
	if out, err := cosign(t, dir, "verify-blob", "--key", pub, "--insecure-ignore-tlog", "--signature", sig, artifact); err != nil {
		t.Fatalf("cosign verify-blob with candor's public key: %v\n%s", err, out)
	}

	pred := filepath.Join(dir, "predicate.json")
	if err := os.WriteFile(pred, []byte(`{"hello":"candor"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// attest-blob prints the envelope on standard output (--output-attestation would write
	// only the statement).
	stdout, stderr, err := cosignOut(t, dir, "attest-blob", "--key", priv, "--tlog-upload=false", "--yes",
		"--type", "https://example.com/interop/v1", "--predicate", pred, artifact)
	if err != nil {
		t.Fatalf("cosign attest-blob with candor's key: %v\n%s", err, stderr)
	}
	b := []byte(strings.TrimSpace(stdout))
	var env dsse.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("cosign's envelope: %v\n%s", err, b)
	}
	p, err := signing.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signing.NewVerifier(p)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := dsse.NewEnvelopeVerifier(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Verify(context.Background(), &env); err != nil {
		t.Fatalf("cosign's envelope does not verify with candor's verifier: %v", err)
	}
}

// TestCosignVerifiesCandorVSA: the verification summary that candor verify --vsa writes is
// an attestation cosign verify-blob-attestation accepts with the buyer's public key and the
// SLSA verification summary predicate type, for the artifact verified; not for other bits,
// not once the envelope is tampered with, not with another key, not as another predicate
// type.
func TestCosignVerifiesCandorVSA(t *testing.T) {
	dir := t.TempDir()
	vendorDir, buyerDir := filepath.Join(dir, "vendor"), filepath.Join(dir, "buyer")
	if err := os.Mkdir(vendorDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(buyerDir, 0o755); err != nil {
		t.Fatal(err)
	}
	vendorPriv, vendorPub := candorKey(t, vendorDir, signing.ECDSAP256)
	buyerPriv, buyerPub := candorKey(t, buyerDir, signing.Ed25519)
	artifact := writeArtifact(t, dir)
	attestFile(t, dir, artifact, "artifact.bin.intoto.json", vendorPriv)

	vsa := filepath.Join(dir, "artifact.vsa.intoto.json")
	ctx := context.Background()
	keyOpts := signing.Options{Password: signing.StaticPassword([]byte(password))}
	keys, err := verify.LoadKeys(ctx, []string{vendorPub}, keyOpts)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(keys, verify.WithKeyNames(vendorPub))
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := signing.LoadSigner(ctx, buyerPriv, keyOpts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := verify.Run(ctx, v, verify.Inputs{
		Artifacts: []string{artifact},
		Summary:   &verify.SummaryOptions{Path: vsa, Signer: buyer},
	})
	if err != nil || !res.Passed || len(res.Summaries) != 1 {
		t.Fatalf("candor verify --vsa: %v %+v", err, res)
	}

	verifyVSA := func(pub, envelope, blob, predicateType string) (string, error) {
		return cosign(t, dir, "verify-blob-attestation", "--key", pub, "--signature", envelope,
			"--type", predicateType, "--insecure-ignore-tlog", blob)
	}
	if out, err := verifyVSA(buyerPub, vsa, artifact, verify.SummaryPredicateType); err != nil {
		t.Fatalf("cosign rejected candor's verification summary: %v\n%s", err, out)
	}

	// Each refusal for its own reason, not because of a flag cosign does not know.
	refused := func(what, want string, out string, err error) {
		t.Helper()
		switch {
		case err == nil:
			t.Errorf("cosign accepted %s:\n%s", what, out)
		case !strings.Contains(out, want):
			t.Errorf("cosign refused %s, but not with %q:\n%s", what, want, out)
		}
	}
	other := filepath.Join(dir, "other.bin")
	if err := os.WriteFile(other, []byte("other bits"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := verifyVSA(buyerPub, vsa, other, verify.SummaryPredicateType)
	refused("the summary for another artifact", "no matching subject digest", out, err)
	out, err = verifyVSA(vendorPub, vsa, artifact, verify.SummaryPredicateType)
	refused("the summary with a key that did not sign it", "accepted signatures do not match threshold", out, err)
	out, err = verifyVSA(buyerPub, vsa, artifact, predicate.PredicateType)
	refused("the summary as a disclosure attestation", "invalid predicate type", out, err)

	// The payload edited after signing (PASSED turned into FAILED, and the reverse is as
	// easy), the signature kept.
	b, err := os.ReadFile(vsa)
	if err != nil {
		t.Fatal(err)
	}
	var env dsse.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(payload, []byte(`"PASSED"`)) {
		t.Fatalf("the summary does not say PASSED:\n%s", payload)
	}
	env.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"PASSED"`), []byte(`"FAILED"`), 1))
	tb, err := json.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.intoto.json")
	if err := os.WriteFile(tampered, tb, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = verifyVSA(buyerPub, tampered, artifact, verify.SummaryPredicateType)
	refused("a tampered summary", "accepted signatures do not match threshold", out, err)
}
