package inspect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/verify"
)

// envelope is one envelope read from an attestation file, not yet verified.
type envelope struct {
	source string
	sha256 string
	env    *verify.Envelope
}

// readEnvelopes reads the envelopes of one attestation file: a .jsonl file is an in-toto
// bundle (JSON Lines, one envelope a line), anything else one envelope. A bundle line that
// is not an envelope is skipped, with the reason in problems; the other lines are read
// whatever their order. Each envelope is parsed by [verify.ParseEnvelope] (strict, bounded)
// and keeps the SHA-256 of its bytes as read, the line without its line ending.
func readEnvelopes(name string, data []byte) (envs []envelope, problems []string) {
	if !strings.HasSuffix(name, ".jsonl") {
		env, err := verify.ParseEnvelope(data)
		if err != nil {
			return nil, []string{fmt.Sprintf("%s: skipped: %s", name, cleanErr(err))}
		}
		return []envelope{{source: name, sha256: digest(data), env: env}}, nil
	}
	lines, nums, err := verify.SplitBundle(data)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: skipped: %s", name, cleanErr(err))}
	}
	for i, line := range lines {
		src := fmt.Sprintf("%s#%d", name, nums[i])
		env, err := verify.ParseEnvelope(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: line skipped: %s", src, cleanErr(err)))
			continue
		}
		envs = append(envs, envelope{source: src, sha256: digest(line), env: env})
	}
	return envs, problems
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
