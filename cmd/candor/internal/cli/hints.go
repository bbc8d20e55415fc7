package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/scan/archive"
	"github.com/candor-dev/candor/verify"
)

// The libraries' messages name the options and steps a Go program sets (WithRescan,
// Inputs.Attestations, Limits.MaxBytes); a person at the command line sets flags. The
// hints below are applied to what candor prints, at the edge: the verdicts, the JSON and
// the errors, never to what a library writes itself (a verification summary keeps the
// library's words).

// optionFlags maps each parenthesised option a library message can name to the words the
// command line says instead. Every entry is checked against the library's message by a test.
var optionFlags = []struct{ option, flag string }{
	{"(WithRescan)", "(--rescan)"},
	{"(Inputs.Attestations)", "(--attestation)"},
	{"(or name it in Inputs.Attestations)", "(or give --attestation FILE)"},
	{"(SummaryOptions.Signer)", "(--vsa-key)"},
	{"(Inputs.AllowUnattested)", "(--allow-unattested)"},
}

// limitHint says which flag raises the archive limit a scan error hit, keeping the error
// chain.
func limitHint(err error) error {
	var le *archive.LimitError
	if errors.As(err, &le) {
		if f, ok := limitFlags[le.Limit]; ok {
			return fmt.Errorf("%w (if the input is trusted, raise the limit with --%s)", err, f)
		}
	}
	return err
}

// verifyErrorHints names the flags in an error of verify.Run: the options it names, and
// the flag that raises the limit that stopped the run (a limit that failed a verdict is
// named in the verdict instead, by flagHints).
func verifyErrorHints(err error) error {
	err = errWithFlags(err)
	var le *verify.LimitError
	if errors.As(err, &le) && !errors.Is(err, verify.ErrVerification) {
		err = fmt.Errorf("%w (if the attestations are trusted, raise the limit with --%s)", err, verifyLimitFlags[le.Limit])
	}
	return err
}

// withFlags names the flags in msg where it names an option.
func withFlags(msg string) string {
	for _, h := range optionFlags {
		msg = strings.ReplaceAll(msg, h.option, h.flag)
	}
	return msg
}

// withLimitFlag replaces "(Limits.X)" with the flag that sets X.
func withLimitFlag(msg string) string {
	for name, flag := range verifyLimitFlags {
		msg = strings.ReplaceAll(msg, "(Limits."+name+")", "(if the attestations are trusted, raise the limit with --"+flag+")")
	}
	return msg
}

// verdictText is what the command line says for a message of a verdict or a run.
func verdictText(msg string) string { return withLimitFlag(withFlags(msg)) }

// flagHints names the flags in every message of res where the library names an option
// or a limit: the library says Limits.MaxSignatures or WithRescan, the command line its flag.
func flagHints(res *verify.Result) {
	if res == nil {
		return
	}
	for i, n := range res.Notes {
		res.Notes[i] = verdictText(n)
	}
	for _, vd := range res.Verdicts {
		vd.Message = verdictText(vd.Message)
		for i, n := range vd.Notes {
			vd.Notes[i] = verdictText(n)
		}
		for i := range vd.Checks {
			c := &vd.Checks[i]
			c.Detail = verdictText(c.Detail)
			for j, r := range c.Reasons {
				c.Reasons[j] = verdictText(r)
			}
		}
	}
}

// errWithFlags names the flags in err's message where it names an option, keeping the
// error chain (errors.Is and errors.As see the library's error). Limits are not rewritten
// here: the caller adds the limit's flag to an error it can raise.
func errWithFlags(err error) error {
	if err == nil || withFlags(err.Error()) == err.Error() {
		return err
	}
	return &flagError{err: err}
}

// flagError reads as its error with the options named as flags.
type flagError struct{ err error }

func (e *flagError) Error() string { return withFlags(e.err.Error()) }

func (e *flagError) Unwrap() error { return e.err }
