package whitelist

import (
	"reflect"
	"strings"
	"testing"
)

// planFile is an import file with a line for every outcome.
const planFile = "Domain\n" + // 1
	"acme.edu\n" + // 2: added
	"jo@beta.org\n" + // 3: invalid
	"gmail.com\n" + // 4: public
	"ACME.EDU.\n" + // 5: duplicate of line 2
	"same.edu\n" + // 6: already whitelisted with this contract
	"other.edu\n" + // 7: whitelisted with another contract
	"Bücher.example\n" + // 8: added
	"xn--bcher-kva.example\n" + // 9: duplicate of line 8
	"Other.edu\n" + // 10: duplicate of line 7
	"acme.edu,beta.org\n" + // 11: invalid, several values
	"same.edu\n" // 12: duplicate of line 6

// planExisting is the whitelist before the import of planFile.
var planExisting = map[string]string{"same.edu": "C1", "other.edu": "C2", "unrelated.edu": "C2"}

func readLines(t *testing.T, in string) []DomainLine {
	t.Helper()
	lines, err := readAll(NewDomainReader(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestPlan(t *testing.T) {
	const publicReason = "gmail.com is a public email domain: anyone can have an address there, so whitelisting it would admit everyone; use your organisation's own domain"
	skipped := func(updateExisting bool) []SkippedLine {
		s := []SkippedLine{
			{3, "jo@beta.org", OutcomeInvalid, "must not contain @: give the domain only, like acme.edu"},
			{4, "gmail.com", OutcomePublicDomain, publicReason},
			{5, "ACME.EDU.", OutcomeDuplicate, "duplicate of line 2"},
			{6, "same.edu", OutcomeAlreadyWhitelisted, "already on the whitelist with this contract"},
		}
		if !updateExisting {
			s = append(s, SkippedLine{7, "other.edu", OutcomeOtherContract,
				"already on the whitelist with another contract (C2); import with the option to update existing domains to move it to this contract"})
		}
		return append(s,
			SkippedLine{9, "xn--bcher-kva.example", OutcomeDuplicate, "duplicate of line 8"},
			SkippedLine{10, "Other.edu", OutcomeDuplicate, "duplicate of line 7"},
			SkippedLine{11, "acme.edu,beta.org", OutcomeInvalid, "one domain per line: this line has 2 values; put each domain on a line of its own"},
			SkippedLine{12, "same.edu", OutcomeDuplicate, "duplicate of line 6"},
		)
	}
	added := []Domain{{"acme.edu", "acme.edu"}, {"xn--bcher-kva.example", "Bücher.example"}}
	tests := []struct {
		name           string
		updateExisting bool
		want           Result
	}{
		{
			name: "update existing off",
			want: Result{Added: 2, Updated: 0, Skipped: 9, SkippedLines: skipped(false), Add: added},
		},
		{
			name:           "update existing on",
			updateExisting: true,
			want: Result{Added: 2, Updated: 1, Skipped: 8, SkippedLines: skipped(true), Add: added,
				Update: []DomainUpdate{{Domain: Domain{"other.edu", "other.edu"}, PreviousContractID: "C2"}}},
		},
	}
	lines := readLines(t, planFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(lines, planExisting, "C1", tt.updateExisting)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Plan\n got %+v\nwant %+v", got, tt.want)
			}
			if got.Added+got.Updated+got.Skipped != len(lines) {
				t.Fatalf("counts %d+%d+%d for %d lines", got.Added, got.Updated, got.Skipped, len(lines))
			}
		})
	}
}

func TestPlannerOutcomes(t *testing.T) {
	c1, c2 := "C1", "C2"
	line := func(n int, raw string) DomainLine {
		l := readLines(t, raw+"\n")[0]
		l.Line = n
		return l
	}
	tests := []struct {
		name           string
		updateExisting bool
		line           DomainLine
		existing       *string
		outcome        Outcome
		reason         string
	}{
		{"new domain", false, line(1, "acme.edu"), nil, OutcomeAdded, ""},
		{"new domain, update on", true, line(1, "acme.edu"), nil, OutcomeAdded, ""},
		{"same contract", false, line(1, "acme.edu"), &c1, OutcomeAlreadyWhitelisted, "already on the whitelist with this contract"},
		{"same contract, update on", true, line(1, "acme.edu"), &c1, OutcomeAlreadyWhitelisted, "already on the whitelist with this contract"},
		{"other contract", false, line(1, "acme.edu"), &c2, OutcomeOtherContract,
			"already on the whitelist with another contract (C2); import with the option to update existing domains to move it to this contract"},
		{"other contract, update on", true, line(1, "acme.edu"), &c2, OutcomeUpdated, ""},
		{"invalid, existing not read", true, line(1, "acme.edu/x"), &c2, OutcomeInvalid, `must not contain a path or query ("/"): give the domain only, like acme.edu`},
		{"public, existing not read", true, line(1, "outlook.com"), &c2, OutcomePublicDomain,
			"outlook.com is a public email domain: anyone can have an address there, so whitelisting it would admit everyone; use your organisation's own domain"},
		{"invalid line without a reason", false, DomainLine{Line: 1, Raw: "x", Outcome: OutcomeInvalid}, nil, OutcomeInvalid, "is not a domain that may be whitelisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlanner("C1", tt.updateExisting)
			outcome, reason := p.Add(tt.line, tt.existing)
			if outcome != tt.outcome || reason != tt.reason {
				t.Fatalf("Add = %q, %q; want %q, %q", outcome, reason, tt.outcome, tt.reason)
			}
			r := p.Result()
			counts := [3]int{r.Added, r.Updated, r.Skipped}
			want := [3]int{0, 0, 1}
			switch outcome {
			case OutcomeAdded:
				want = [3]int{1, 0, 0}
			case OutcomeUpdated:
				want = [3]int{0, 1, 0}
			}
			if counts != want {
				t.Fatalf("counts %v, want %v", counts, want)
			}
			if outcome.Skipped() != (want[2] == 1) {
				t.Fatalf("%q.Skipped() = %v", outcome, outcome.Skipped())
			}
			if outcome.Skipped() && (len(r.SkippedLines) != 1 || r.SkippedLines[0] != (SkippedLine{tt.line.Line, tt.line.Raw, outcome, reason})) {
				t.Fatalf("skipped lines %+v", r.SkippedLines)
			}
		})
	}
}

// TestPlannerBatches: a caller that looks existing domains up a batch at a
// time gets the same plan as Plan.
func TestPlannerBatches(t *testing.T) {
	lines := readLines(t, planFile)
	for _, update := range []bool{false, true} {
		for batch := 1; batch <= len(lines); batch++ {
			p := NewPlanner("C1", update)
			for start := 0; start < len(lines); start += batch {
				chunk := lines[start:min(start+batch, len(lines))]
				// Look the batch's keys up at once, as a store's batch get.
				found := map[string]string{}
				for _, l := range chunk {
					if l.Outcome == OutcomeOK {
						if c, ok := planExisting[l.Domain.ASCII]; ok {
							found[l.Domain.ASCII] = c
						}
					}
				}
				for _, l := range chunk {
					var ex *string
					if c, ok := found[l.Domain.ASCII]; ok && l.Outcome == OutcomeOK {
						ex = &c
					}
					p.Add(l, ex)
				}
			}
			if got, want := p.Result(), Plan(lines, planExisting, "C1", update); !reflect.DeepEqual(got, want) {
				t.Fatalf("update %v, batches of %d:\n got %+v\nwant %+v", update, batch, got, want)
			}
		}
	}
}

func TestPlanEmpty(t *testing.T) {
	if got := Plan(nil, nil, "C1", true); !reflect.DeepEqual(got, Result{}) {
		t.Fatalf("Plan of nothing = %+v", got)
	}
}
