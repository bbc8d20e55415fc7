package schemas

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/message"
)

// The format checks of the formats the schemas use, as github.com/santhosh-tekuri/jsonschema/v6
// (Apache License 2.0) asserts them, with its messages.

// format is a format the schemas assert.
type format struct {
	name  string
	check func(v any) error
}

var formats = map[string]*format{
	"date-time": {"date-time", checkDateTime},
	"uri":       {"uri", checkURI},
}

// formatError is a message to format with the English printer.
type formatError struct {
	msg  string
	args []any
}

func errorf(msg string, args ...any) error { return &formatError{msg, args} }

func (e *formatError) Error() string { return fmt.Sprintf(e.msg, e.args...) }

// localized formats err with p when it is a formatError.
func localized(err error, p *message.Printer) string {
	if e, ok := err.(*formatError); ok {
		return p.Sprintf(e.msg, e.args...)
	}
	return err.Error()
}

// checkDateTime checks an RFC 3339 date-time: yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm).
func checkDateTime(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if len(s) < 20 {
		return errorf("less than 20 characters long")
	}
	if s[10] != 't' && s[10] != 'T' {
		return errorf("11th character must be t or T")
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return errorf("invalid date element: %v", err)
	}
	if err := checkTime(s[11:]); err != nil {
		return errorf("invalid time element: %v", err)
	}
	return nil
}

func checkTime(str string) error {
	// min: hh:mm:ssZ
	if len(str) < 9 {
		return errorf("less than 9 characters long")
	}
	if str[2] != ':' || str[5] != ':' {
		return errorf("missing colon in correct place")
	}
	var hms []int
	for _, tok := range strings.SplitN(str[:8], ":", 3) {
		i, err := strconv.Atoi(tok)
		if err != nil {
			return errorf("invalid hour/min/sec")
		}
		if i < 0 {
			return errorf("non-positive hour/min/sec")
		}
		hms = append(hms, i)
	}
	if len(hms) != 3 {
		return errorf("missing hour/min/sec")
	}
	h, m, s := hms[0], hms[1], hms[2]
	if h > 23 || m > 59 || s > 60 {
		return errorf("hour/min/sec out of range")
	}
	str = str[8:]
	if rem, ok := strings.CutPrefix(str, "."); ok {
		digits := 0
		for _, ch := range rem {
			if ch < '0' || ch > '9' {
				break
			}
			digits++
		}
		if digits == 0 {
			return errorf("no digits in second fraction")
		}
		str = rem[digits:]
	}
	if str != "z" && str != "Z" {
		if len(str) != 6 {
			return errorf("offset must be 6 characters long")
		}
		var sign int
		switch str[0] {
		case '+':
			sign = -1
		case '-':
			sign = +1
		default:
			return errorf("offset must begin with plus/minus")
		}
		str = str[1:]
		if str[2] != ':' {
			return errorf("missing colon in offset in correct place")
		}
		var zhm []int
		for _, tok := range strings.SplitN(str, ":", 2) {
			i, err := strconv.Atoi(tok)
			if err != nil {
				return errorf("invalid hour/min in offset")
			}
			if i < 0 {
				return errorf("non-positive hour/min in offset")
			}
			zhm = append(zhm, i)
		}
		zh, zm := zhm[0], zhm[1]
		if zh > 23 || zm > 59 {
			return errorf("hour/min in offset out of range")
		}
		hm := (h*60 + m) + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	if s >= 60 && (h != 23 || m != 59) {
		return errorf("invalid leap second")
	}
	return nil
}

// checkURI checks an absolute URI.
func checkURI(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	// net/url does not check an IPv6 host.
	if host := u.Hostname(); strings.Contains(host, ":") {
		if !strings.Contains(u.Host, "[") || !strings.Contains(u.Host, "]") {
			return errorf("ipv6 address not enclosed in brackets")
		}
		if err := checkIPv6(host); err != nil {
			return errorf("invalid ipv6 address: %v", err)
		}
	}
	if !u.IsAbs() {
		return errorf("relative url")
	}
	return nil
}

func checkIPv6(s string) error {
	if !strings.Contains(s, ":") {
		return errorf("missing colon")
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return err
	}
	if addr.Zone() != "" {
		return errorf("zone id is not a part of ipv6 address")
	}
	return nil
}
