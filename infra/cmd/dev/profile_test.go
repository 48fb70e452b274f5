package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/domain/reports"
)

// TestImportProfileBlackBox: a program admin's import with the optional
// profile columns stores them on the learners; the one who joins with a
// sign-in claim the org maps keeps the claim's value over the file's; the
// report's profile columns and External Id show them; an activity event
// that reports only lessons reaches Overall Progress, and one with a
// verified completion the summary's verified completions. An admin of another org can neither
// import into the program nor read the claim mapping.
func TestImportProfileBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	seats := s.contract(t, dean, orgPath, "Seats", 5)
	prog := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Profiles " + s.sender[:8]}).must(t, 201)
	path := orgPath + "/programs/" + prog.str("id")
	dean.do("POST", path+"/collections", map[string]any{"name": "All", "items": []any{
		map[string]any{"id": "c0", "type": "course", "name": "Course 0"},
		map[string]any{"id": "c1", "type": "course", "name": "Course 1"}}}).must(t, 201)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin",
		"programIds": []any{prog.str("id")}}).must(t, 201)
	pam := s.as("pam@acme.edu")
	dean.do("PUT", orgPath+"/profile-claims", map[string]any{"claims": map[string]any{"jobTitle": "custom:job_title"}}).must(t, 200)

	other := s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Other", "admins": []any{map[string]any{"email": "olga@other.example"}}}).must(t, 201)
	olga := s.as("olga@other.example")
	csvFile := "full name,EMAIL,External ID, job title ,Department,Employee Id,Location City\n" +
		"Ada,ada@acme.edu,,Engineer,R&D,E-1,London\n" +
		"Bob,bob@acme.edu,B-9,Analyst,Sales,E-2,\n" +
		"Cy,cy@acme.edu,,\"" + strings.Repeat("x", 201) + "\",,,\n"
	olga.do("POST", path+"/invitation-imports", map[string]any{"contractId": seats, "csv": csvFile}).must(t, 403)
	olga.do("GET", orgPath+"/profile-claims", nil).must(t, 403)
	pam.do("PUT", orgPath+"/profile-claims", map[string]any{"claims": map[string]any{}}).must(t, 403)
	olga.do("GET", "/v1/orgs/"+other.str("id")+"/profile-claims", nil).must(t, 200)

	imp := pam.do("POST", path+"/invitation-imports", map[string]any{"contractId": seats, "csv": csvFile}).must(t, 202)
	j := waitImport(t, pam, path+"/invitation-imports/"+imp.str("id"))
	if j.str("status") != "done" || j.num("progress", "outcomes", "invited") != 2 || j.num("progress", "outcomes", "invalid_profile") != 1 {
		t.Fatalf("import %s", j.raw)
	}

	// Ada joins with a job title claim: it wins over the file's.
	tok, err := local.MintToken(s.secret, local.TokenClaims{Email: "ada@acme.edu", EmailVerified: true,
		Extra: map[string]string{"custom:job_title": "Staff Engineer"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ada := caller{s: s, token: tok}
	ada.do("POST", "/v1/invitations/"+s.tokenFor("ada@acme.edu")+"/accept", nil).must(t, 200)
	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	for item, detail := range map[string]map[string]any{
		"c0": {"lessonsCompleted": 3, "lessonsTotal": 4},
		"c1": {"completedAt": at, "verified": true},
	} {
		ada.do("POST", "/v1/programs/"+prog.str("slug")+"/enrollments", map[string]any{"itemId": item}).must(t, 201)
		detail["programSlug"], detail["email"], detail["itemId"], detail["occurredAt"] = prog.str("slug"), "ada@acme.edu", item, at
		b, _ := json.Marshal(detail)
		res, err := http.Post(s.base+local.ActivityPath, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("activity: %d", res.StatusCode)
		}
	}

	rep := dean.do("POST", orgPath+"/reports", map[string]any{}).must(t, 202)
	_, link := s.reportEmail("dean@acme.edu", rep.str("id"))
	files := unzip(t, link)
	for col, want := range map[string]string{"Job Title": "Staff Engineer", "Business Unit": "R&D", "Location City": "London", "External Id": "E-1"} {
		if got := rowOf(t, files[reports.MemberFile], "Email", "ada@acme.edu")[col]; got != want {
			t.Errorf("ada's %s = %q, want %q", col, got, want)
		}
	}
	for col, want := range map[string]string{"Job Title": "Analyst", "Business Unit": "Sales", "Location City": "", "External Id": "B-9"} {
		if got := rowOf(t, files[reports.MemberFile], "Email", "bob@acme.edu")[col]; got != want {
			t.Errorf("bob's %s = %q, want %q", col, got, want)
		}
	}
	usage := rowOf(t, files[reports.UsageFile], "Course ID", "c0")
	if usage["Email"] != "ada@acme.edu" || usage["Overall Progress"] != "75" || usage["Completed"] != "No" || usage["Job Title"] != "Staff Engineer" {
		t.Errorf("ada's usage row %v", usage)
	}
	if got := dean.do("GET", orgPath+"/reports/"+rep.str("id"), nil).must(t, 200); got.num("summary", "verifiedCourseCompletions") != 1 {
		t.Errorf("summary %v", got.get("summary"))
	}
}
