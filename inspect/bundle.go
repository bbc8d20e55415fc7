package inspect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/verify"
)

// envelope is one envelope or Sigstore bundle read from an attestation file, not yet
// verified.
type envelope struct {
	source string
	sha256 string
	env    *verify.Envelope
	// bundle is set, in place of env, for a Sigstore bundle holding a DSSE envelope.
	bundle *sigbundle.Bundle
}

// readEnvelopes reads the envelopes of one attestation file: a .jsonl file is an in-toto
// bundle (JSON Lines, one envelope a line), anything else one envelope. A line or file
// whose first mediaType member names a Sigstore bundle ([sigbundle.IsBundle]) is read as
// one by [sigbundle.Parse] (strict, bounded), else as an envelope by [verify.ParseEnvelope].
// A line that is neither, or a bundle with a message signature (no statement), is skipped,
// with the reason in problems; the other lines are read whatever their order. Each keeps
// the SHA-256 of its bytes as read, the line without its line ending.
func readEnvelopes(name string, data []byte) (envs []envelope, problems []string) {
	if !strings.HasSuffix(name, ".jsonl") {
		e, problem := readOne(name, data, "skipped")
		if problem != "" {
			return nil, []string{problem}
		}
		return []envelope{e}, nil
	}
	lines, nums, err := verify.SplitBundle(data)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: skipped: %s", name, cleanErr(err))}
	}
	for i, line := range lines {
		e, problem := readOne(fmt.Sprintf("%s#%d", name, nums[i]), line, "line skipped")
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		envs = append(envs, e)
	}
	return envs, problems
}

// readOne reads one envelope or Sigstore bundle; problem says why it was skipped.
func readOne(src string, data []byte, skipped string) (e envelope, problem string) {
	e = envelope{source: src, sha256: digest(data)}
	if !sigbundle.IsBundle(data) {
		env, err := verify.ParseEnvelope(data)
		if err != nil {
			return e, fmt.Sprintf("%s: %s: %s", src, skipped, cleanErr(err))
		}
		e.env = env
		return e, ""
	}
	b, err := sigbundle.Parse(src, data)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), sigbundle.ErrParse.Error()+": "+src+": ")
		return e, fmt.Sprintf("%s: %s: not a readable Sigstore bundle: %s", src, skipped, msg)
	}
	if !b.IsDSSE() {
		return e, fmt.Sprintf("%s: %s: Sigstore bundle %s with a message signature over a file, signed with %s: not an attestation (no in-toto statement)",
			src, skipped, b.Version, signedWith(b))
	}
	e.bundle = b
	return e, ""
}

// signedWith says how a bundle is signed, for messages.
func signedWith(b *sigbundle.Bundle) string {
	if b.IsKeyless() {
		return "a certificate (keyless)"
	}
	return "a public key"
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// cleanErr drops verify's step prefix ("parse: ") from a message shown as a problem.
func cleanErr(err error) string {
	msg := err.Error()
	for _, p := range []string{"verification failed: ", "parse: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}
