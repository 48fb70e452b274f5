package invite

import (
	"reflect"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// TestCSVReaderProfileColumns: the optional profile columns are found
// under the reports' names or their aliases, in any case and spacing, and
// fill each row's profile with its non-empty values; a field given twice
// refuses the file.
func TestCSVReaderProfileColumns(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []bo.Profile
		wantErr string
	}{
		{"none", "Full Name,Email,External ID\nAda,ada@example.com,\n", []bo.Profile{nil}, ""},
		{"the reports' names, any case",
			"full name,email,external id, JOB  TITLE ,business unit,Manager Name,location city,EMPLOYEE ID\n" +
				"Ada,ada@example.com,, Engineer ,R&D,Grace,London,E-7\n" +
				"Bob,bob@example.com,,,,,,\n",
			[]bo.Profile{{"jobTitle": "Engineer", "department": "R&D", "managerName": "Grace", "locationCity": "London", "employeeId": "E-7"}, nil}, ""},
		{"aliases", "Email,Full Name,External ID,Department,Manager\nada@example.com,Ada,,Sales,Linus\n",
			[]bo.Profile{{"department": "Sales", "managerName": "Linus"}}, ""},
		{"a field twice", "Full Name,Email,External ID,Department,Business Unit\n", nil, `duplicate header "Business Unit" (columns 4 and 5)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || bo.ErrorCode(err) != bo.EINVALID {
					t.Fatalf("err = %v, want EINVALID %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csvReadAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			var got []bo.Profile
			for _, row := range rows {
				got = append(got, row.Profile)
				if o, why := CheckCSVRow(row); o != OutcomeOK {
					t.Errorf("row %d: %s %s", row.Number, o, why)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("profiles %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCheckCSVRowProfile: a profile value over 200 characters or holding
// a line break or control character makes the row invalid_profile, its
// reason naming the column as the file spells it; the required columns'
// faults come first.
func TestCheckCSVRowProfile(t *testing.T) {
	long := strings.Repeat("é", 201)
	read := func(header, value string) CSVRow {
		t.Helper()
		r, err := NewCSVReader(strings.NewReader("Full Name,Email,External ID," + header + "\nAda,ada@example.com,,\"" + value + "\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		row, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		return row
	}
	tests := []struct {
		name    string
		row     CSVRow
		outcome Outcome
		reason  string
	}{
		{"200 characters", read("Job Title", long[2:]), OutcomeOK, ""},
		{"too long, named as the file spells it", read("job title", long), OutcomeInvalidProfile, "job title must be at most 200 characters (it has 201)"},
		{"a line break", read("Department", "R\nD"), OutcomeInvalidProfile, "Department must be on one line"},
		{"a control character", read("Location City", "Lon\x01don"), OutcomeInvalidProfile, "Location City must not contain control characters (U+0001)"},
		{"built by hand, the report's name", CSVRow{FullName: "Ada", Email: "ada@example.com", Profile: bo.Profile{"managerEmail": long}},
			OutcomeInvalidProfile, "Manager Email must be at most 200 characters (it has 201)"},
		{"the name's fault first", CSVRow{Email: "ada@example.com", Profile: bo.Profile{"jobTitle": long}}, OutcomeMissingName, "Full Name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o, why := CheckCSVRow(tt.row); o != tt.outcome || why != tt.reason {
				t.Fatalf("CheckCSVRow = %q, %q; want %q, %q", o, why, tt.outcome, tt.reason)
			}
		})
	}
}
