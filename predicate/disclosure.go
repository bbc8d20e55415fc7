package predicate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/scan"
)

// Declarations are the parts of a vendor's disclosure manifest that findings are matched
// against ([Declarations.Cover]). The predicate records them as its "disclosure" field.
type Declarations struct {
	Endpoints           []Endpoint           `json:"endpoints,omitempty"`
	ConfiguredEndpoints []ConfiguredEndpoint `json:"configuredEndpoints,omitempty"`
	Listeners           []Listener           `json:"listeners,omitempty"`
	RemoteControl       []RemoteControl      `json:"remoteControl,omitempty"`
	Telemetry           []Telemetry          `json:"telemetry,omitempty"`
	Updates             *Updates             `json:"updates,omitempty"`
	Accepted            []Accepted           `json:"accepted,omitempty"`
}

// Product names the released software.
type Product struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Vendor  string `json:"vendor"`
	URL     string `json:"url,omitempty"`
}

// Security is the vendor's vulnerability-notification commitment.
type Security struct {
	// Contact is an email address, a mailto: URI or an https URL.
	Contact string `json:"contact"`
	// Policy is the https URL of the vulnerability disclosure policy.
	Policy string `json:"policy"`
	// NotificationDays: users are told of a serious vulnerability within this many days.
	NotificationDays int            `json:"notificationDays"`
	AdvisoryFeeds    []AdvisoryFeed `json:"advisoryFeeds,omitempty"`
}

// AdvisoryFeed is a machine-readable advisory feed (CSAF, OpenVEX, OSV...).
type AdvisoryFeed struct {
	Format string `json:"format"`
	URL    string `json:"url"`
}

// Consent says when data is sent or a feature is active.
type Consent string

// Consent values.
const (
	ConsentAlways        Consent = "always"         // without asking
	ConsentOptOut        Consent = "opt-out"        // on by default, the user can turn it off
	ConsentOptIn         Consent = "opt-in"         // off until the user turns it on
	ConsentUserInitiated Consent = "user-initiated" // only when the user asks for it
)

// Endpoint is a hard-coded remote host the software contacts.
type Endpoint struct {
	// Host is a normalised host or wildcard (see [NormalizeHost]).
	Host    string   `json:"host"`
	Ports   []int    `json:"ports,omitempty"`
	Purpose string   `json:"purpose"`
	Data    []string `json:"data"`
	Consent Consent  `json:"consent"`
}

// ConfiguredEndpoint declares outbound connections to destinations the user configures.
type ConfiguredEndpoint struct {
	// Setting names the option, flag or variable that sets the destination.
	Setting string   `json:"setting,omitempty"`
	Purpose string   `json:"purpose"`
	Data    []string `json:"data"`
	Consent Consent  `json:"consent"`
}

// Listener is an inbound network surface.
type Listener struct {
	// Protocol is tcp (when empty), udp or unix.
	Protocol string `json:"protocol,omitempty"`
	// Port is set unless Protocol is unix.
	Port *PortRange `json:"port,omitempty"`
	// Path is the socket path of a unix listener.
	Path string `json:"path,omitempty"`
	// Bind is loopback, configurable or all.
	Bind    string `json:"bind"`
	Purpose string `json:"purpose"`
	// Authentication is none, password, token, mtls, os or other.
	Authentication string `json:"authentication"`
}

// PortRange is a port (Low == High; 0 means chosen by the system) or an inclusive range.
// It is written as a number or as "low-high".
type PortRange struct{ Low, High int }

// MarshalJSON writes a number for a single port and "low-high" for a range.
func (p PortRange) MarshalJSON() ([]byte, error) {
	if p.Low == p.High {
		return []byte(strconv.Itoa(p.Low)), nil
	}
	return json.Marshal(fmt.Sprintf("%d-%d", p.Low, p.High))
}

// UnmarshalJSON reads a number or "low-high".
func (p *PortRange) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*p = PortRange{n, n}
		return p.check()
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("port: want a number or \"low-high\"")
	}
	r, err := ParsePortRange(s)
	if err != nil {
		return err
	}
	*p = r
	return nil
}

// ParsePortRange reads a port range written "low-high", such as "8000-8100".
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, ok := strings.Cut(s, "-")
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil {
		return PortRange{}, fmt.Errorf("port range %q: write it as \"low-high\", such as \"8000-8100\"", s)
	}
	r := PortRange{l, h}
	return r, r.check()
}

func (p PortRange) check() error {
	if p.Low < 0 || p.High > 65535 || p.Low > p.High {
		return fmt.Errorf("port range %d-%d: ports go from 0 to 65535, low first", p.Low, p.High)
	}
	return nil
}

// RemoteControl declares a feature that lets someone else inspect or drive the system.
type RemoteControl struct {
	// Capability is remote.admin, remote.tunnel, process.exec or code.dynamic.
	Capability     scan.Capability `json:"capability"`
	Purpose        string          `json:"purpose"`
	Consent        Consent         `json:"consent"`
	Authentication string          `json:"authentication,omitempty"`
}

// Telemetry declares an analytics, telemetry or crash-reporting component.
type Telemetry struct {
	Name string `json:"name"`
	// SDK is the module path of the SDK, such as github.com/getsentry/sentry-go.
	SDK string `json:"sdk,omitempty"`
	// Endpoints are normalised hosts or wildcards the telemetry is sent to.
	Endpoints []string `json:"endpoints,omitempty"`
	Data      []string `json:"data"`
	Consent   Consent  `json:"consent"`
}

// UpdateMechanism says how the software updates itself.
type UpdateMechanism string

// Update mechanisms.
const (
	UpdateNone         UpdateMechanism = "none"          // never updates itself
	UpdateNotify       UpdateMechanism = "notify"        // tells the user a new version exists
	UpdateUserApproved UpdateMechanism = "user-approved" // installs after the user agrees
	UpdateAutomatic    UpdateMechanism = "automatic"     // installs without asking
)

// Updates declares the update mechanism.
type Updates struct {
	Mechanism UpdateMechanism `json:"mechanism"`
	// Endpoints are normalised hosts or wildcards updates come from.
	Endpoints      []string `json:"endpoints,omitempty"`
	UserCanDisable *bool    `json:"userCanDisable,omitempty"`
	Signed         *bool    `json:"signed,omitempty"`
}

// Forced reports whether updates are installed without asking and the user cannot turn them
// off: the "no forced upgrade" commitment then fails, disclosed or not.
func (u *Updates) Forced() bool {
	return u != nil && u.Mechanism == UpdateAutomatic && (u.UserCanDisable == nil || !*u.UserCanDisable)
}

// Accepted is a finding the vendor accepts, with a reason. Its selectors say which findings
// it accepts; every selector given must match (they narrow one another), and at least one of
// Value, Host, Module or Table is given:
//
//   - Rule, Capability: the finding's rule id or capability;
//   - Value: the finding's host (compared as hosts), one of its evidence values, or an endpoint
//     table's module (path, or path@version) or owner; a value is never a wildcard;
//   - Host: a host or wildcard, normalised and checked like an endpoint's host, matching the
//     finding's host, or every host of an endpoint table;
//   - Module: the module (path, or path@version) the code pass attributes the finding to, or,
//     for a finding it attributes to none, the module all its evidence names;
//   - Table: the endpoint table's owner, as the finding names it.
//
// An entry that matches no finding is stale: attest refuses it unless told otherwise. See
// [Accepted.Matches].
type Accepted struct {
	Rule       string          `json:"rule,omitempty"`
	Capability scan.Capability `json:"capability,omitempty"`
	Value      string          `json:"value,omitempty"`
	Host       string          `json:"host,omitempty"`
	Module     string          `json:"module,omitempty"`
	Table      string          `json:"table,omitempty"`
	Reason     string          `json:"reason"`
}
