package schemas

import (
	"errors"
	"slices"
	"testing"
)

func TestSchemasCompile(t *testing.T) {
	if err := Precompile(); err != nil {
		t.Fatal(err)
	}
	// jsonschema/v6 validates each file against the draft 2020-12 meta-schema.
	reference(t)
	for id := range fileOf {
		if s, err := schemaOf(id); s == nil || err != nil {
			t.Errorf("%s not compiled: %v", id, err)
		}
		if _, err := File(id); err != nil {
			t.Error(err)
		}
	}
	if err := Precompile("https://candor.dev/schemas/none.json"); err == nil {
		t.Error("an unknown schema compiled")
	}
	if err := Validate(PolicyV1, map[string]any{}); err == nil {
		t.Error("a policy without apiVersion validated")
	}
}

func minimalDisclosure() map[string]any {
	return map[string]any{
		"apiVersion": "candor.dev/disclosure/v1",
		"product":    map[string]any{"name": "agent", "version": "1.0.0", "vendor": "ACME"},
		"security": map[string]any{
			"contact": "security@acme.example", "policy": "https://acme.example/security",
			"notificationDays": int64(30),
		},
	}
}

func TestValidateDisclosure(t *testing.T) {
	if err := ValidateDisclosure(minimalDisclosure()); err != nil {
		t.Fatalf("minimal disclosure: %v", err)
	}
	tests := []struct {
		name    string
		edit    func(m map[string]any)
		field   []string
		keyword string
	}{
		{"unknown top-level field", func(m map[string]any) { m["endpoint"] = []any{} }, []string{"endpoint"}, "additionalProperties"},
		{"missing product", func(m map[string]any) { delete(m, "product") }, []string{"product"}, "required"},
		{"wrong type", func(m map[string]any) { m["security"].(map[string]any)["notificationDays"] = "30" }, []string{"security", "notificationDays"}, "type"},
		{"bad consent", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"host": "api.acme.example", "purpose": "p", "data": []any{}, "consent": "sometimes"}}
		}, []string{"endpoints", "0", "consent"}, "enum"},
		{"accepted without a selector that names findings", func(m map[string]any) {
			m["accepted"] = []any{map[string]any{"rule": "endpoint.url", "capability": "network.endpoint", "reason": "never contacted"}}
		}, []string{"accepted", "0"}, "anyOf"},
		{"accepted without a reason", func(m map[string]any) {
			m["accepted"] = []any{map[string]any{"host": "*.acme.example"}}
		}, []string{"accepted", "0", "reason"}, "required"},
		{"accepted host with a wildcard inside", func(m map[string]any) {
			m["accepted"] = []any{map[string]any{"host": "a.*.example", "reason": "never contacted"}}
		}, []string{"accepted", "0", "host"}, "pattern"},
		{"accepted module with a space", func(m map[string]any) {
			m["accepted"] = []any{map[string]any{"module": "example.com/a b", "reason": "never contacted"}}
		}, []string{"accepted", "0", "module"}, "pattern"},
		{"wildcard inside", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"host": "a.*.b", "purpose": "p", "data": []any{}, "consent": "always"}}
		}, []string{"endpoints", "0", "host"}, "pattern"},
		{"automatic update without userCanDisable", func(m map[string]any) {
			m["updates"] = map[string]any{"mechanism": "automatic", "endpoints": []any{"u.acme.example"}, "signed": true}
		}, []string{"updates", "userCanDisable"}, "required"},
		{"listener without port", func(m map[string]any) {
			m["listeners"] = []any{map[string]any{"bind": "loopback", "purpose": "p", "authentication": "none"}}
		}, []string{"listeners", "0", "port"}, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := minimalDisclosure()
			tt.edit(m)
			err := ValidateDisclosure(m)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %T, want *Error", err)
			}
			for _, v := range se.Violations {
				if slices.Equal(v.Field, tt.field) && v.Keyword == tt.keyword {
					return
				}
			}
			t.Errorf("no %s violation at %v in:\n%v", tt.keyword, tt.field, err)
		})
	}
}

func TestFieldPath(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{nil, "(document)"},
		{[]string{"endpoints", "2", "host"}, "endpoints[2].host"},
		{[]string{"0"}, "[0]"},
	} {
		if got := FieldPath(tt.in); got != tt.want {
			t.Errorf("FieldPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidatePolicy(t *testing.T) {
	ok := map[string]any{
		"apiVersion": "candor.dev/policy/v1",
		"maxAge":     "30d",
		"updates":    map[string]any{"allowedMechanisms": []any{"none", "notify"}},
		"telemetry":  map[string]any{"allowedConsent": []any{}},
		"endpoints":  map[string]any{"allow": []any{"*.acme.example"}, "deny": []any{"evil.example"}},
	}
	if err := ValidatePolicy(ok); err != nil {
		t.Fatalf("valid policy: %v", err)
	}
	for name, tt := range map[string]struct {
		doc     map[string]any
		field   []string
		keyword string
	}{
		"unknown field":  {map[string]any{"apiVersion": "candor.dev/policy/v1", "maxage": "1d"}, []string{"maxage"}, "additionalProperties"},
		"bad age":        {map[string]any{"apiVersion": "candor.dev/policy/v1", "maxAge": "a month"}, []string{"maxAge"}, "pattern"},
		"bad mechanism":  {map[string]any{"apiVersion": "candor.dev/policy/v1", "updates": map[string]any{"allowedMechanisms": []any{"sometimes"}}}, []string{"updates", "allowedMechanisms", "0"}, "enum"},
		"wrong version":  {map[string]any{"apiVersion": "candor.dev/policy/v2"}, []string{"apiVersion"}, "const"},
		"empty endpoint": {map[string]any{"apiVersion": "candor.dev/policy/v1", "endpoints": map[string]any{}}, []string{"endpoints"}, "minProperties"},
	} {
		err := ValidatePolicy(tt.doc)
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want *Error", name, err)
			continue
		}
		found := false
		for _, v := range se.Violations {
			found = found || slices.Equal(v.Field, tt.field) && v.Keyword == tt.keyword
		}
		if !found {
			t.Errorf("%s: no %s violation at %v in:\n%v", name, tt.keyword, tt.field, err)
		}
	}
}
