package predicate

import (
	"errors"
	"testing"
)

func TestNormalizeHost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		wildcard bool
		bad      bool
	}{
		{in: "api.example.com", want: "api.example.com"},
		{in: "API.Example.COM.", want: "api.example.com"},
		{in: "*.example.com", want: "*.example.com", wildcard: true},
		{in: "*.Bücher.example", want: "*.xn--bcher-kva.example", wildcard: true},
		{in: "bücher.example", want: "xn--bcher-kva.example"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "192.0.2.10", want: "192.0.2.10"},
		{in: "[2001:DB8::1]", want: "2001:db8::1"},
		{in: "2001:db8::1", want: "2001:db8::1"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1"},
		{in: "*", bad: true},
		{in: "a.*.b", bad: true},
		{in: "*a.b", bad: true},
		{in: "ex*.com", bad: true},
		{in: "*.*.example.com", bad: true},
		{in: "example.*", bad: true},
		{in: "*.com", bad: true},
		{in: "*.co.uk", bad: true},
		{in: "*.github.io", bad: true},
		{in: "*.192.0.2.1", bad: true},
		{in: "*.0.1", bad: true},
		{in: "*.2.1", bad: true},
		{in: "*.example.42", bad: true},
		{in: "*.1example.com", want: "*.1example.com", wildcard: true},
		{in: "*.example.com1", want: "*.example.com1", wildcard: true},
		{in: "under_score.example", bad: true},
		{in: "a..b", bad: true},
		{in: "", bad: true},
		{in: "has space.example", bad: true},
		{in: "-lead.example", bad: true},
	} {
		got, wc, err := NormalizeHost(tt.in)
		if tt.bad {
			if !errors.Is(err, ErrHost) {
				t.Errorf("NormalizeHost(%q) = %q, %v; want an error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || wc != tt.wildcard {
			t.Errorf("NormalizeHost(%q) = %q, %v, %v; want %q, %v", tt.in, got, wc, err, tt.want, tt.wildcard)
		}
	}
}

func TestMatchHost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern, host string
		want          bool
	}{
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "API.Example.Com", true},
		{"*.example.com", "eu.api.example.com", true},
		{"*.example.com", "api.example.com.", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "evilexample.com", false},
		{"*.example.com", "api.evilexample.com", false},
		{"*.example.com", "example.com.evil.net", false},
		{"*.example.com", "api.example.com.evil.net", false},
		{"*.example.com", ".example.com", false},
		{"*.example.com", "a..example.com", false},
		{"example.com", "example.com", true},
		{"example.com", "EXAMPLE.com", true},
		{"example.com", "www.example.com", false},
		{"xn--bcher-kva.example", "bücher.example", true},
		{"xn--bcher-kva.example", "BÜCHER.example", true},
		{"*.xn--bcher-kva.example", "shop.bücher.example", true},
		{"192.0.2.10", "192.0.2.10", true},
		{"192.0.2.10", "192.0.2.1", false},
		{"2001:db8::1", "[2001:db8:0::1]", true},
		// A wildcard never matches an IP address, even one handed in unchecked.
		{"*.0.1", "10.0.0.1", false},
		{"*.0.1", "192.168.0.1", false},
		{"*.0.0.1", "127.0.0.1", false},
	} {
		if got := MatchHost(tt.pattern, tt.host); got != tt.want {
			t.Errorf("MatchHost(%q, %q) = %v, want %v", tt.pattern, tt.host, got, tt.want)
		}
	}
}
