package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// The vendor's and the buyer's half of the demo: keygen, disclosure, attest (and a refusal),
// verify with a policy (and a tampered copy). Everything happens in the session's directory,
// with a throwaway key whose password is a constant: nothing prompts, nothing leaves it.

// demoPassword encrypts the throwaway key. It is not a secret: the key is deleted with the
// demo's temporary directory, or kept in --dir for experiments.
const demoPassword = "candor-demo"

// disclosureYAML is the vendor's disclosure of the sample: its telemetry host and its HTTP
// listener. oldHost replaces SampleHost in the draft that misses an endpoint.
const (
	disclosureYAML = `apiVersion: candor.dev/disclosure/v1
product: {name: candor-demo-sample, version: "1.0.0", vendor: Candor Demo Ltd}
security:
  contact: security@candor-demo.dev
  policy: https://candor-demo.dev/security
  notificationDays: 14
endpoints:
  - host: ` + SampleHost + `
    purpose: reports that the service started
    data: [a start event]
    consent: always
listeners:
  - port: 8080
    bind: loopback
    purpose: hello page
    authentication: none
`
	oldHost = "telemetry.candor-demo.net"
)

// policyYAML is the buyer's policy in the demo.
const policyYAML = `apiVersion: candor.dev/policy/v1
maxAge: 30d                                     # attestations made in the last 30 days
security: {maxNotificationDays: 30, requireContact: true}
updates: {allowedMechanisms: [none, notify, user-approved]}
listeners: {allowedBinds: [loopback]}           # nothing reachable from the network
endpoints:
  allow: ["*.candor-demo.dev"]                  # the vendor's own domain, nothing else
`

// needSample says why a workflow step is skipped when the sample could not be built, and
// reports whether it can run.
func (s *session) needSample() bool {
	if !s.sample {
		s.say("Skipped: this step works on the sample program, which needs a go command to build.")
		return false
	}
	return true
}

// write writes a file in the session's directory and returns its path.
func (s *session) write(name, content string) (string, error) {
	p := filepath.Join(s.dir, name)
	return p, os.WriteFile(p, []byte(content), 0o644)
}

// rel names a path inside the session's directory relative to it, for narration.
func (s *session) rel(p string) string {
	if r, err := filepath.Rel(s.dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

func makeKey(_ context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	s.key, s.pub = filepath.Join(s.dir, "demo.key"), filepath.Join(s.dir, "demo.pub")
	if _, err := signing.Generate(signing.KeygenOptions{
		PrivatePath: s.key, PublicPath: s.pub,
		Password: signing.StaticPassword([]byte(demoPassword)), Force: true,
	}); err != nil {
		return err
	}
	s.say("Wrote %s (the private key, encrypted in cosign's format) and %s (the", s.rel(s.key), s.rel(s.pub))
	s.say("public key the vendor gives buyers). A real key's password comes from")
	s.say("CANDOR_PASSWORD or a prompt; this throwaway one uses %q.", demoPassword)
	return nil
}

func writeDisclosure(_ context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	p, err := s.write("disclosure.yaml", disclosureYAML)
	if err != nil {
		return err
	}
	s.disclosure = p
	s.say("The disclosure says, in YAML, what the program does that a buyer should know:")
	s.say("where it connects and what it sends, what it listens on, how it updates.")
	s.say("Wrote %s:", s.rel(p))
	s.quote(disclosureYAML)
	return nil
}

func attestSample(ctx context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	s.envelope = s.binary + verify.SuffixJSON
	res, err := attest.Run(ctx, attest.Options{
		DisclosurePath: s.disclosure,
		Artifacts:      []string{s.binary},
		Keys:           []string{s.key},
		KeyOptions:     signing.Options{Password: signing.StaticPassword([]byte(demoPassword))},
		Output:         s.envelope,
	})
	if err != nil {
		return err
	}
	v := res.Predicate.Verdict
	s.say("Running: candor attest --disclosure disclosure.yaml --key demo.key -o %s %s", s.rel(s.envelope), s.rel(s.binary))
	s.say("attest scans the build again, checks that an entry of the disclosure covers every")
	s.say("finding, and signs an in-toto attestation. Wrote %s:", s.envelope)
	s.say("  a DSSE envelope (as cosign uses) holding a Statement about the binary's sha256")
	s.say("  %s, predicate %s,", res.Predicate.Analysis.Artifacts[0].Digest["sha256"], predicate.PredicateType)
	s.say("  with the disclosure, the %d findings and what covers each, and a verdict:", len(res.Predicate.Analysis.Artifacts[0].Findings))
	s.say("  no undisclosed remote control %t, no undisclosed exfiltration %t, no forced upgrade %t.",
		v.NoUndisclosedRemoteControl.Holds, v.NoUndisclosedExfiltration.Holds, v.NoForcedUpgrade.Holds)
	s.say("The vendor publishes the binary, the attestation beside it, and demo.pub.")
	return nil
}

func attestUndisclosed(ctx context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	draft := strings.Replace(disclosureYAML, SampleHost, oldHost, 1)
	p, err := s.write("draft-disclosure.yaml", draft)
	if err != nil {
		return err
	}
	out := filepath.Join(s.dir, "draft.intoto.json")
	s.say("Suppose the disclosure still named last year's host, %s, while the", oldHost)
	s.say("program now phones home to %s. Running attest with it (%s):", SampleHost, s.rel(p))
	res, err := attest.Run(ctx, attest.Options{
		DisclosurePath: p,
		Artifacts:      []string{s.binary},
		Keys:           []string{s.key},
		KeyOptions:     signing.Options{Password: signing.StaticPassword([]byte(demoPassword))},
		Output:         out,
	})
	if !errors.Is(err, attest.ErrUndisclosed) || res == nil {
		return fmt.Errorf("attest should have refused the draft disclosure, got %v", err)
	}
	fmt.Fprintln(s.stderr)
	if err := s.text.Attest(s.stderr, &output.Attestation{Result: res, Disclosure: s.rel(p)}); err != nil {
		return err
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("attest wrote %s despite refusing", out)
	}
	s.say("attest refused: it signed nothing and would exit 1. It printed the finding, its")
	s.say("evidence, and the YAML that discloses it (or accepts it, with a reason, when the")
	s.say("string is never contacted). --allow-undisclosed would sign anyway, with the")
	s.say("exfiltration verdict false for every buyer to see.")
	return nil
}

// verifier trusts the demo's public key, as candor verify --key demo.pub does.
func (s *session) verifier(ctx context.Context, opts ...verify.VerifierOption) (*verify.Verifier, error) {
	keys, err := verify.LoadKeys(ctx, []string{s.pub}, signing.Options{})
	if err != nil {
		return nil, err
	}
	return verify.NewVerifier(keys, append([]verify.VerifierOption{verify.WithKeyNames(s.pub)}, opts...)...)
}

func verifyAsBuyer(ctx context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	pol, err := s.write("policy.yaml", policyYAML)
	if err != nil {
		return err
	}
	s.say("The buyer has the binary, %s beside it, and the vendor's", filepath.Base(s.envelope))
	s.say("public key. Their policy, %s, says what they accept:", s.rel(pol))
	s.quote(policyYAML)
	s.say("Running: candor verify --key demo.pub --policy policy.yaml --rescan %s", s.rel(s.binary))
	s.say("(the verdict follows on standard output):")
	fmt.Fprintln(s.stderr)
	policy, err := verify.LoadPolicy(pol)
	if err != nil {
		return err
	}
	sc, err := scan.New()
	if err != nil {
		return err
	}
	v, err := s.verifier(ctx, verify.WithPolicy(policy), verify.WithRescan(sc))
	if err != nil {
		return err
	}
	res, err := verify.Run(ctx, v, verify.Inputs{Artifacts: []string{s.binary}})
	if res != nil {
		if werr := s.text.Verify(s.stdout, res); werr != nil {
			return werr
		}
	}
	if err != nil {
		return fmt.Errorf("the genuine release should pass: %w", err)
	}
	s.say("Every step passed: the signature is the vendor's, the attestation is about")
	s.say("these exact bytes, the policy holds, and candor's own re-scan of the binary")
	s.say("found nothing the vendor did not disclose. candor verify would exit 0.")
	return nil
}

func verifyTampered(ctx context.Context, s *session) error {
	if !s.needSample() {
		return nil
	}
	dir := filepath.Join(s.dir, "tampered")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, filepath.Base(s.binary))
	data, err := os.ReadFile(s.binary)
	if err != nil {
		return err
	}
	// Someone between the vendor and the buyer appends a payload to the binary.
	if err := os.WriteFile(bin, append(data, "\x00 an extra payload"...), 0o755); err != nil {
		return err
	}
	env, err := os.ReadFile(s.envelope)
	if err != nil {
		return err
	}
	if err := os.WriteFile(bin+verify.SuffixJSON, env, 0o644); err != nil {
		return err
	}
	s.say("Someone appended bytes to a copy of the binary, %s, and kept the", s.rel(bin))
	s.say("genuine attestation beside it. Running: candor verify --key demo.pub %s", s.rel(bin))
	fmt.Fprintln(s.stderr)
	v, err := s.verifier(ctx)
	if err != nil {
		return err
	}
	res, err := verify.Run(ctx, v, verify.Inputs{Artifacts: []string{bin}})
	if res != nil {
		if werr := s.text.Verify(s.stdout, res); werr != nil {
			return werr
		}
	}
	if !errors.Is(err, verify.ErrSubject) {
		return fmt.Errorf("the tampered copy should fail at the subject step, got %v", err)
	}
	s.say("The signature still verifies (the attestation is genuine), but it is about other")
	s.say("bits: the subject step fails, and candor verify would exit 1. So would a changed")
	s.say("attestation (signature step), another vendor's key, or a policy the release breaks.")
	return nil
}

// quote writes a document indented under the narration.
func (s *session) quote(doc string) {
	for _, l := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		fmt.Fprintf(s.stderr, "    | %s\n", termsafe.Line(l))
	}
}
