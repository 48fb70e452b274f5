package backoffice

import "testing"

func TestSlugRules(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"abc", true}, {"data-skills-2026", true}, {"ab", false}, {"-abc", false}, {"abc-", false},
		{"a--b", false}, {"ABC", false}, {"a_b", false}, {"a b c", false},
	}
	for _, tt := range tests {
		if got := ValidSlug(tt.in); got != tt.want {
			t.Errorf("ValidSlug(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := Slugify("  Leadership & Management — 2026 "); got != "leadership-management-2026" {
		t.Errorf("Slugify = %q", got)
	}
}
