package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// auditRecord is a record of the log as the API answers it.
type auditRecord struct {
	ID    string `json:"id"`
	Actor struct {
		Subject, Email, Role string
	} `json:"actor"`
	Action string `json:"action"`
	Target struct {
		Type, ID string
	} `json:"target"`
	ProgramID string `json:"programId"`
	Changes   []struct {
		Field, Old, New string
	} `json:"changes"`
	RequestID string `json:"requestId"`
	SourceIP  string `json:"sourceIp"`
}

// auditLog reads every page of the org's log with the query, limit a page,
// and returns the records and the number of pages.
func auditLog(t *testing.T, c caller, orgPath, query string, limit int) ([]auditRecord, int) {
	t.Helper()
	var all []auditRecord
	cursor := ""
	for pages := 1; ; pages++ {
		q := query + "&limit=" + strconv.Itoa(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := c.do("GET", orgPath+"/audit?"+q, nil).must(t, 200)
		var page struct {
			Items      []auditRecord `json:"items"`
			NextCursor string        `json:"nextCursor"`
		}
		if err := json.Unmarshal([]byte(r.raw), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit {
			t.Fatalf("a page of %d records, limit %d", len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, pages
		}
		if pages > 100 {
			t.Fatal("the cursor does not move on")
		}
		cursor = page.NextCursor
	}
}

// find returns the records with the action on the target.
func find(recs []auditRecord, action, targetID string) []auditRecord {
	var out []auditRecord
	for _, r := range recs {
		if r.Action == action && (targetID == "" || r.Target.ID == targetID) {
			out = append(out, r)
		}
	}
	return out
}

func (r auditRecord) change(field string) (string, string, bool) {
	for _, c := range r.Changes {
		if c.Field == field {
			return c.Old, c.New, true
		}
	}
	return "", "", false
}

// TestAuditLogBlackBox: each kind of change made over HTTP is in the org's
// log with who made it, the fields changed and the request's id; a change
// refused by a condition has no record; an admin of another org reads
// nothing; a program admin reads their programs' records only; pages follow
// the cursor; the CSV export neutralises formula cells.
func TestAuditLogBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	orgID := strings.TrimPrefix(orgPath, "/v1/orgs/")
	contract := s.contract(t, dean, orgPath, "Seats", 50)
	progA := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Data " + s.sender[:8]}).must(t, 201).str("id")
	progB := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Design " + s.sender[:8]}).must(t, 201).str("id")
	pathA, pathB := orgPath+"/programs/"+progA, orgPath+"/programs/"+progB

	rename := dean.do("PATCH", pathA, map[string]any{"name": "Data Skills", "enrollmentLimit": 3}).must(t, 200)
	renameID := rename.header.Get("Apigw-Requestid")
	invite := dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Formula", "email": "=cmd@acme.edu", "contractId": contract}).must(t, 201)
	inviteID := invite.header.Get("Apigw-Requestid")
	dean.do("POST", pathA+"/invitations", map[string]any{"fullName": "Ada", "email": "ada@acme.edu", "contractId": contract}).must(t, 201)
	dean.do("POST", pathA+"/invitations/"+url.PathEscape("ada@acme.edu")+"/resend", nil).must(t, 200)
	dean.do("DELETE", pathA+"/invitations/"+url.PathEscape("ada@acme.edu"), nil).must(t, 204)
	imp := dean.do("POST", pathA+"/invitation-imports", map[string]any{"contractId": contract, "csv": "Full Name,Email,External ID\nGrace,grace@acme.edu,\nNobody,bad,\n"}).must(t, 202)
	waitImport(t, dean, pathA+"/invitation-imports/"+imp.str("id"))
	dean.do("POST", pathB+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)
	col := dean.do("POST", pathB+"/collections", map[string]any{"name": "All", "items": []any{
		map[string]any{"id": "c0", "type": "course", "name": "Course 0"}}}).must(t, 201).str("id")
	// A learner's own changes: joining by domain, enrolling, leaving a course.
	slugB := dean.do("GET", pathB, nil).must(t, 200).str("slug")
	jo := s.as("jo@acme.edu")
	jo.do("POST", "/v1/programs/"+slugB+"/join", nil).must(t, 200)
	jo.do("POST", "/v1/programs/"+slugB+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
	jo.do("DELETE", "/v1/programs/"+slugB+"/enrollments/c0", nil).must(t, 204)
	dean.do("POST", pathB+"/members/"+url.PathEscape("jo@acme.edu")+"/removal", map[string]any{"allowReturn": false}).must(t, 200)
	dean.do("DELETE", pathB+"/domains/acme.edu", nil).must(t, 204)
	// Messages: a draft, an edit, the settings, a send and its outcome.
	msg := dean.do("POST", orgPath+"/messages", map[string]any{"preset": "encourage_enrolled"}).must(t, 201).str("id")
	dean.do("PATCH", orgPath+"/messages/"+msg, map[string]any{"subject": "Keep going, {{learnerName}}"}).must(t, 200)
	dean.do("PUT", orgPath+"/messaging-settings", map[string]any{"capLimit": 3, "capWindowDays": 7}).must(t, 200)
	dean.do("POST", orgPath+"/messages/"+msg+"/send", map[string]any{"acceptTerms": true}).must(t, 202)
	waitSent(t, dean, orgPath+"/messages/"+msg)
	dean.do("PUT", orgPath+"/automated-messages/invitation-reminder/programs/"+progA, map[string]any{"enabled": false}).must(t, 200)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin", "programIds": []string{progA}}).must(t, 201)
	// The same admin again is refused by the write's condition: no record.
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin", "programIds": []string{progA}}).must(t, 409)
	progC := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Gone " + s.sender[:8]}).must(t, 201).str("id")
	dean.do("DELETE", orgPath+"/programs/"+progC, nil).must(t, 204)

	recs, _ := auditLog(t, dean, orgPath, "", 100)
	for _, want := range []struct{ action, target string }{
		{"org.create", orgID}, {"contract.create", contract}, {"program.create", progA}, {"program.update", progA},
		{"invitation.create", "=cmd@acme.edu"}, {"invitation.resend", "ada@acme.edu"}, {"invitation.revoke", "ada@acme.edu"},
		{"invitation_import.start", imp.str("id")}, {"invitation_import.finished", imp.str("id")},
		{"domain.add", "acme.edu"}, {"domain.remove", "acme.edu"}, {"reminder_schedule.update", "invitation-reminder/" + progA},
		{"admin.add", "pam@acme.edu"}, {"program.delete", progC},
		{"collection.create", col}, {"member.join", "jo@acme.edu"}, {"enrollment.create", "jo@acme.edu/c0"},
		{"enrollment.end", "jo@acme.edu/c0"}, {"member.remove", "jo@acme.edu"}, {"message.create", msg}, {"message.update", msg},
		{"messaging_settings.update", orgID}, {"message.send", msg}, {"message.send.finished", msg},
	} {
		if got := find(recs, want.action, want.target); len(got) != 1 {
			t.Errorf("%d records of %s on %s, want 1", len(got), want.action, want.target)
		}
	}
	if org := find(recs, "org.create", orgID); len(org) == 1 && (org[0].Actor.Email != "op@platform.example.com" || org[0].Actor.Role != "platform_operator") {
		t.Errorf("the org's creation by %+v, want the operator", org[0].Actor)
	}
	if up := find(recs, "program.update", progA); len(up) == 1 {
		r := up[0]
		if r.Actor.Email != "dean@acme.edu" || r.Actor.Role != "org_admin" || r.Actor.Subject == "" || r.RequestID != renameID || renameID == "" || r.SourceIP == "" || r.ProgramID != progA {
			t.Errorf("program update record %+v (request %q)", r, renameID)
		}
		if old, new, ok := r.change("name"); !ok || old != "Data "+s.sender[:8] || new != "Data Skills" {
			t.Errorf("name change %q -> %q (%v)", old, new, ok)
		}
		if _, new, ok := r.change("enrollmentLimit"); !ok || new != "3" {
			t.Errorf("limit change to %q (%v)", new, ok)
		}
		if _, _, ok := r.change("tagline"); ok {
			t.Error("an unchanged field is in the record")
		}
	}
	if join := find(recs, "member.join", "jo@acme.edu"); len(join) == 1 && (join[0].Actor.Email != "jo@acme.edu" || join[0].Actor.Role != "learner" || join[0].ProgramID != progB) {
		t.Errorf("jo's joining %+v", join[0])
	}
	if edit := find(recs, "message.update", msg); len(edit) == 1 {
		if _, subject, _ := edit[0].change("subject"); subject != "Keep going, {{learnerName}}" {
			t.Errorf("the edit's subject change %+v", edit[0].Changes)
		}
	}
	if sent := find(recs, "message.send.finished", msg); len(sent) == 1 && (sent[0].Actor.Email != "dean@acme.edu" || sent[0].RequestID != "") {
		t.Errorf("the send's outcome %+v", sent[0])
	}
	if inv := find(recs, "invitation.create", "=cmd@acme.edu"); len(inv) == 1 && inv[0].RequestID != inviteID {
		t.Errorf("invitation record's request %q, want %q", inv[0].RequestID, inviteID)
	}
	if fin := find(recs, "invitation_import.finished", imp.str("id")); len(fin) == 1 {
		_, status, _ := fin[0].change("status")
		_, outcomes, _ := fin[0].change("outcomes")
		if fin[0].Actor.Email != "dean@acme.edu" || status != "done" || fin[0].RequestID != "" || !strings.Contains(outcomes, `"invited":1`) {
			t.Errorf("import outcome %+v", fin[0])
		}
	}
	for _, r := range recs {
		for _, c := range r.Changes {
			if strings.Contains(strings.ToLower(c.Field), "token") {
				t.Errorf("%s records the secret field %s", r.Action, c.Field)
			}
		}
	}

	t.Run("filters", func(t *testing.T) {
		byAction, _ := auditLog(t, dean, orgPath, "action=program.create", 100)
		if len(byAction) != 3 {
			t.Errorf("%d program creations, want 3", len(byAction))
		}
		byActor, _ := auditLog(t, dean, orgPath, "actor=op@platform.example.com", 100)
		if len(byActor) != 1 || byActor[0].Action != "org.create" {
			t.Errorf("the operator's records %+v", byActor)
		}
		byTarget, _ := auditLog(t, dean, orgPath, "targetType=invitation&targetId="+url.QueryEscape("ada@acme.edu"), 100)
		if got := actions(byTarget); !slices.Equal(got, []string{"invitation.revoke", "invitation.resend", "invitation.create"}) {
			t.Errorf("ada's invitation, newest first: %v", got)
		}
		dean.do("GET", orgPath+"/audit?targetId=x", nil).must(t, 400)
		dean.do("GET", orgPath+"/audit?from=yesterday", nil).must(t, 400)
	})

	t.Run("paging follows the cursor", func(t *testing.T) {
		paged, pages := auditLog(t, dean, orgPath, "", 3)
		if pages < 5 || !slices.Equal(ids(paged), ids(recs)) {
			t.Errorf("%d pages of 3 gave %d records, the whole log %d", pages, len(paged), len(recs))
		}
	})

	t.Run("a program admin reads their programs' records only", func(t *testing.T) {
		pam := s.as("pam@acme.edu")
		mine, _ := auditLog(t, pam, orgPath, "", 100)
		if len(mine) == 0 || len(find(mine, "program.update", progA)) != 1 {
			t.Fatalf("pam reads %v", actions(mine))
		}
		for _, r := range mine {
			if r.ProgramID != progA {
				t.Errorf("pam reads %s of program %q", r.Action, r.ProgramID)
			}
		}
		if other, _ := auditLog(t, pam, orgPath, "programId="+progB, 100); len(other) != 0 {
			t.Errorf("pam reads %d records of another program", len(other))
		}
	})

	t.Run("an admin of another org reads nothing", func(t *testing.T) {
		s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
			map[string]any{"name": "Other", "admins": []any{map[string]any{"email": "eve@other.edu"}}}).must(t, 201)
		r := s.as("eve@other.edu").do("GET", orgPath+"/audit", nil).must(t, 403)
		if strings.Contains(r.raw, "dean@acme.edu") || strings.Contains(r.raw, progA) {
			t.Errorf("the refusal leaks the log: %s", r.raw)
		}
	})

	t.Run("no route changes a record", func(t *testing.T) {
		for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
			if st := dean.do(m, orgPath+"/audit", map[string]any{}).status; st != http.StatusNotFound && st != http.StatusMethodNotAllowed {
				t.Errorf("%s of the log answered %d", m, st)
			}
		}
	})

	t.Run("the CSV export neutralises formula cells", func(t *testing.T) {
		req, _ := http.NewRequest("GET", s.base+orgPath+"/audit?format=csv&action=invitation.create", nil)
		req.Header.Set("Authorization", "Bearer "+dean.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(res.Body).ReadAll()
		if err != nil || len(rows) != 3 { // the header, the two invitations
			t.Fatalf("rows %q, %v", rows, err)
		}
		col := slices.Index(rows[0], "targetId")
		var targets []string
		for _, row := range rows[1:] {
			targets = append(targets, row[col])
		}
		if !slices.Contains(targets, "'=cmd@acme.edu") || slices.Contains(targets, "=cmd@acme.edu") {
			t.Errorf("target cells %q: the formula is not neutralised", targets)
		}
	})
}

func actions(recs []auditRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Action)
	}
	return out
}

func ids(recs []auditRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}
