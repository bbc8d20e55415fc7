package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/candor-dev/candor/scan"
)

func TestExitCode(t *testing.T) {
	plain := errors.New("something broke")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"negative verdict", &ExitError{Code: ExitNegative, Err: plain}, ExitNegative},
		{"wrapped exit error", fmt.Errorf("context: %w", &ExitError{Code: ExitNegative}), ExitNegative},
		{"plain error", plain, ExitUsage},
		{"classified input error", classify(fmt.Errorf("%w: a: no such file", scan.ErrInput)), ExitUsage},
		{"classified unsupported", classify(fmt.Errorf("wrapped: %w", scan.ErrUnsupported)), ExitUsage},
		{"classified malformed", classify(scan.ErrMalformed), ExitUsage},
		{"classified cancel", classify(context.Canceled), ExitUsage},
		{"classify keeps codes", classify(&ExitError{Code: ExitNegative}), ExitNegative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestClassifyKeepsChain(t *testing.T) {
	t.Parallel()
	err := classify(fmt.Errorf("scanning x: %w", scan.ErrUnsupported))
	if !errors.Is(err, scan.ErrUnsupported) {
		t.Errorf("classify broke the error chain: %v", err)
	}
	var exit *ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitUsage {
		t.Errorf("classify(%v) is not an ExitError with code %d", err, ExitUsage)
	}
	hinted := usageError(newRootCommand(), scan.ErrInput)
	if !errors.Is(hinted, scan.ErrInput) {
		t.Errorf("usageError broke the error chain: %v", hinted)
	}
	if (&ExitError{Code: 1}).Error() != "" {
		t.Errorf("an ExitError without Err must have an empty message")
	}
}
