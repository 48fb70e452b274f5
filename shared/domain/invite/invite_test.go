package invite

import (
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

func TestParseFileKey(t *testing.T) {
	tests := []struct {
		key, program, id string
		ok               bool
	}{
		{"imports/prg_1/imp_2.csv", "prg_1", "imp_2", true},
		{"imports/prg_1/imp_2.txt", "", "", false},
		{"imports/prg_1/sub/imp_2.csv", "", "", false},
		{"imports//imp_2.csv", "", "", false},
		{"imports/prg_1/.csv", "", "", false},
		{"import-results/prg_1/imp_2.csv", "", "", false},
		{"reports/x.csv", "", "", false},
	}
	for _, tt := range tests {
		p, id, ok := ParseFileKey(tt.key)
		if p != tt.program || id != tt.id || ok != tt.ok {
			t.Errorf("ParseFileKey(%q) = %q, %q, %v; want %q, %q, %v", tt.key, p, id, ok, tt.program, tt.id, tt.ok)
		}
	}
	j := Job{ID: "imp_2", ProgramID: "prg_1"}
	if p, id, ok := ParseFileKey(j.FileKey()); !ok || p != "prg_1" || id != "imp_2" {
		t.Errorf("a job's own file key does not parse: %q", j.FileKey())
	}
}

func TestLicenceWarnings(t *testing.T) {
	tests := []struct {
		name     string
		contract bo.Contract
		pending  int
		want     string
	}{
		{"covered", bo.Contract{Name: "C", Licences: 10, Used: 4}, 6, ""},
		{"short by two", bo.Contract{Name: "C", Licences: 10, Used: 4}, 8, "6 licences left but 8 pending invitations: 2 invitees"},
		{"full", bo.Contract{Name: "C", Licences: 3, Used: 3}, 1, "0 licences left but 1 pending"},
		{"unlimited", bo.Contract{Name: "C", Unlimited: true, Used: 1000}, 5000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LicenceWarnings(tt.contract, tt.pending)
			if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Fatalf("LicenceWarnings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHashTokenIsHexSHA256(t *testing.T) {
	if got := HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashToken = %s", got)
	}
}
