package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFeedbackBlackBox is the mailer's part of the messaging "done when",
// on the local system over HTTP: invitations go out, SES reports a hard
// bounce and a complaint (fed through the local-only SES notification
// route, as the configuration set's topic would deliver them), and the
// invitations are marked undeliverable in the members view, its CSV export
// and the import's progress; a soft bounce marks nothing.
func TestFeedbackBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	contract := s.contract(t, dean, orgPath, "Seats", 10)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Feedback " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")

	// Invitations: two one by one, two by an import.
	for _, l := range [][2]string{{"Bo Unce", "Bo.Unce@acme.edu"}, {"Soft Bounce", "soft@acme.edu"}} {
		dean.do("POST", progPath+"/invitations", map[string]any{"fullName": l[0], "email": l[1], "contractId": contract}).must(t, 201)
	}
	imp := dean.do("POST", progPath+"/invitation-imports", map[string]any{"contractId": contract,
		"csv": "Full Name,Email,External ID\nIm Ported,imported@acme.edu,\nFine,fine@acme.edu,\n"}).must(t, 202)
	impPath := progPath + "/invitation-imports/" + imp.str("id")
	if r := waitImport(t, dean, impPath); r.num("progress", "outcomes", "invited") != 2 || r.num("progress", "undeliverable") != 0 {
		t.Fatalf("import %s", r.raw)
	}
	for _, e := range []string{"bo.unce@acme.edu", "imported@acme.edu"} {
		s.tokenFor(e) // the invitation email went out
	}

	// SES reports a hard bounce, a complaint and a soft bounce.
	for _, body := range []string{
		`{"type":"bounce","email":"Bo.Unce@acme.edu"}`,
		`{"type":"complaint","email":"imported@acme.edu"}`,
		`{"type":"soft-bounce","email":"soft@acme.edu"}`,
	} {
		res, err := http.Post(s.base+"/_local/ses-notification", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("feeding %s: status %d", body, res.StatusCode)
		}
	}

	// The feedback function marks the bounced and the complained invitations.
	var marked reply
	for deadline := time.Now().Add(progressBound); ; time.Sleep(250 * time.Millisecond) {
		marked = dean.do("GET", progPath+"/members?status=invited_not_joined&sort=email&undeliverable=true", nil).must(t, 200)
		if len(marked.get("items").([]any)) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("undeliverable invitations after %s: %s", progressBound, marked.raw)
		}
	}
	reasons := map[string]string{}
	for _, it := range marked.get("items").([]any) {
		l := it.(map[string]any)
		if l["undeliverable"] != true || l["undeliverableAt"] == nil || l["state"] != "INVITED" {
			t.Fatalf("marked learner %v", l)
		}
		reasons[l["email"].(string)], _ = l["undeliverableReason"].(string)
	}
	if !strings.HasPrefix(reasons["Bo.Unce@acme.edu"], "hard bounce (General): smtp; 550 5.1.1") || reasons["imported@acme.edu"] != "complaint (abuse)" {
		t.Fatalf("reasons %v", reasons)
	}
	// The whole invited view shows the mark on them only.
	all := dean.do("GET", progPath+"/members?status=invited_not_joined&sort=email", nil).must(t, 200)
	var unmarked []string
	for _, it := range all.get("items").([]any) {
		if l := it.(map[string]any); l["undeliverable"] == nil {
			unmarked = append(unmarked, l["email"].(string))
		}
	}
	if !slices.Equal(unmarked, []string{"fine@acme.edu", "soft@acme.edu"}) {
		t.Fatalf("unmarked invitations %v, want fine and soft: %s", unmarked, all.raw)
	}
	// The import counts its undeliverable invitation.
	if r := dean.do("GET", impPath, nil).must(t, 200); r.num("progress", "undeliverable") != 1 {
		t.Fatalf("import after the complaint: %s", r.raw)
	}
	// The CSV export says why.
	rows := dean.csv(progPath + "/members?status=invited_not_joined&sort=email&columns=status,undeliverable")
	if len(rows) != 5 || strings.Join(rows[0], ",") != "Learner,Email,Status,Undeliverable" ||
		!strings.HasPrefix(rows[1][3], "hard bounce") || rows[2][3] != "" || rows[3][3] != "complaint (abuse)" || rows[4][3] != "" {
		t.Fatalf("CSV export %q", rows)
	}
}
