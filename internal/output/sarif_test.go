package output

import (
	"encoding/json"
	"testing"
)

// TestSARIFStructure checks the parts of SARIF 2.1.0 that consumers (GitHub code
// scanning, sarif-tools, IDE viewers) require, on the decoded JSON rather than on our
// own types.
func TestSARIFStructure(t *testing.T) {
	var log map[string]any
	if err := json.Unmarshal(render(t, FormatSARIF, sampleReport()), &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" {
		t.Errorf("version = %v, want 2.1.0", log["version"])
	}
	if s, _ := log["$schema"].(string); s == "" {
		t.Errorf("$schema missing")
	}
	runs := list(t, log["runs"], "runs")
	if len(runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(runs))
	}
	run := obj(t, runs[0], "runs[0]")
	driver := obj(t, obj(t, run["tool"], "tool")["driver"], "tool.driver")
	if driver["name"] != "candor" || driver["version"] != "0.1.0-test" || driver["informationUri"] == nil {
		t.Errorf("driver = %v", driver)
	}
	rules := list(t, driver["rules"], "rules")
	ids := map[string]int{}
	for i, r := range rules {
		rule := obj(t, r, "rule")
		id, _ := rule["id"].(string)
		if id == "" {
			t.Errorf("rule %d has no id", i)
		}
		if _, dup := ids[id]; dup {
			t.Errorf("rule %q defined twice", id)
		}
		ids[id] = i
		if txt, _ := obj(t, rule["shortDescription"], "shortDescription")["text"].(string); txt == "" {
			t.Errorf("rule %q has no shortDescription.text", id)
		}
	}
	if len(ids) != 5 {
		t.Errorf("got %d rules, want 5 (one per distinct rule id)", len(ids))
	}
	results := list(t, run["results"], "results")
	if len(results) != 6 {
		t.Fatalf("got %d results, want one per finding (6)", len(results))
	}
	levels := map[string]int{}
	for i, r := range results {
		res := obj(t, r, "result")
		id, _ := res["ruleId"].(string)
		idx, ok := ids[id]
		if !ok {
			t.Errorf("result %d: ruleId %q not defined in tool.driver.rules", i, id)
		}
		if got, _ := res["ruleIndex"].(float64); int(got) != idx {
			t.Errorf("result %d: ruleIndex %v, want %d", i, res["ruleIndex"], idx)
		}
		lvl, _ := res["level"].(string)
		levels[lvl]++
		if txt, _ := obj(t, res["message"], "message")["text"].(string); txt == "" {
			t.Errorf("result %d: empty message", i)
		}
		loc := obj(t, list(t, res["locations"], "locations")[0], "location")
		al := obj(t, obj(t, loc["physicalLocation"], "physicalLocation")["artifactLocation"], "artifactLocation")
		if al["uri"] != "dist/agent-linux-amd64" {
			t.Errorf("result %d: uri = %v", i, al["uri"])
		}
		props := obj(t, res["properties"], "properties")
		for _, k := range []string{"capability", "commitment", "confidence"} {
			if props[k] == nil {
				t.Errorf("result %d: properties.%s missing", i, k)
			}
		}
	}
	if levels["warning"] != 4 || levels["note"] != 2 {
		t.Errorf("levels = %v, want 4 warning (linked) and 2 note (referenced)", levels)
	}
}

func TestSARIFRuleDescriptions(t *testing.T) {
	rep := sampleReport()
	// Two findings of one rule with different summaries, and no spec: the rule falls
	// back to its capability rather than one finding's host-specific summary.
	fs := rep.Artifacts[0].Findings
	fs[2].Summary = "hard-coded remote host telemetry.example.com"
	fs[3].Summary = "hard-coded remote host evil.example"
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"from the spec", []Option{WithRuleSpecs(sampleSpecs)}, "hard-coded remote host"},
		{"summaries disagree, no spec", nil, "network.endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log sarifLog
			if err := json.Unmarshal(render(t, FormatSARIF, rep, tt.opts...), &log); err != nil {
				t.Fatal(err)
			}
			for _, r := range log.Runs[0].Tool.Driver.Rules {
				if r.ID == "str.endpoint" && r.ShortDescription.Text != tt.want {
					t.Errorf("shortDescription = %q, want %q", r.ShortDescription.Text, tt.want)
				}
			}
		})
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dist/app", "dist/app"},
		{"my app", "my%20app"},
		{"/tmp/x/app", "file:///tmp/x/app"},
		{"a:b", "./a:b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := artifactURI(tt.in); got != tt.want {
				t.Errorf("artifactURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func obj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want an object, got %T", what, v)
	}
	return m
}

func list(t *testing.T, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want an array, got %T", what, v)
	}
	return l
}
