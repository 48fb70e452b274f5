package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// TestMembersBlackBox runs the members capability on the local system:
// enrollment up to the limit, activity (replayed and reordered), the status
// filters, sort and CSV export agreeing, and removal.
func TestMembersBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	contract := s.contract(t, dean, orgPath, "Seats", 10)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Members " + s.sender[:8], "enrollmentLimit": 3}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	slug := program.str("slug")
	var items []any
	for _, id := range []string{"c0", "c1", "c2", "c3"} {
		items = append(items, map[string]any{"id": id, "type": "course", "name": "Course " + id})
	}
	dean.do("POST", progPath+"/collections", map[string]any{"name": "All", "items": items}).must(t, 201)
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)
	jo, ann := s.as("jo@acme.edu"), s.as("ann@acme.edu")
	jo.do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	ann.do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)

	// Enrollment up to the limit.
	for _, id := range []string{"c0", "c1", "c2"} {
		jo.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": id}).must(t, 201)
	}
	jo.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c3"}).must(t, 409)
	jo.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "nope"}).must(t, 404)
	s.as("outsider@elsewhere.org").do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c3"}).must(t, 403)

	// Activity from the platform (make dev's local-only route in its
	// stead), replayed and out of order.
	send := func(detail map[string]any) {
		b, _ := json.Marshal(detail)
		res, err := http.Post(s.base+local.ActivityPath, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("POST %s: %d", local.ActivityPath, res.StatusCode)
		}
	}
	done := map[string]any{"programSlug": slug, "email": "jo@acme.edu", "itemId": "c0", "occurredAt": now.Add(-time.Hour),
		"progress": 100, "learningMinutes": 90, "completedAt": now.Add(-time.Hour)}
	early := map[string]any{"programSlug": slug, "email": "jo@acme.edu", "itemId": "c0", "occurredAt": now.Add(-2 * time.Hour),
		"progress": 40, "learningMinutes": 30}
	for _, d := range []map[string]any{done, early, done} {
		send(d)
	}
	list := jo.do("GET", "/v1/programs/"+slug+"/enrollments", nil).must(t, 200)
	for _, it := range list.get("items").([]any) {
		e := it.(map[string]any)
		if e["itemId"] == "c0" && (e["progress"] != float64(100) || e["learningMinutes"] != float64(90) || e["completedAt"] == nil) {
			t.Fatalf("c0 after replayed, reordered events: %v", e)
		}
	}

	// The status filters, sort and CSV export.
	view := func(query string) []string {
		r := dean.do("GET", progPath+"/members?"+query, nil).must(t, 200)
		var out []string
		for _, it := range r.get("items").([]any) {
			out = append(out, it.(map[string]any)["email"].(string))
		}
		return out
	}
	for query, want := range map[string][]string{
		"status=joined&sort=email":              {"ann@acme.edu", "jo@acme.edu"},
		"status=joined&sort=email&order=desc":   {"jo@acme.edu", "ann@acme.edu"},
		"status=completed_30_days":              {"jo@acme.edu"},
		"status=no_enrollments":                 {"ann@acme.edu"},
		"status=no_completions":                 nil,
		"status=joined&courseId=c1":             {"jo@acme.edu"},
		"status=joined&search=AN":               {"ann@acme.edu"},
		"status=invited_not_joined":             nil,
		"status=inactive_90_days&sort=activity": nil,
		"status=joined&contractId=" + contract:  {"ann@acme.edu", "jo@acme.edu"},
		"status=joined&sort=joined&limit=1":     {"jo@acme.edu"},
	} {
		if got := view(query); !slices.Equal(got, want) {
			t.Errorf("members?%s: %v, want %v", query, got, want)
		}
	}
	rows := dean.csv(progPath + "/members?status=joined&sort=email&columns=currentEnrollments,completions")
	if len(rows) != 3 || strings.Join(rows[0], ",") != "Learner,Email,Current Enrollments,Completions" ||
		rows[1][1] != "ann@acme.edu" || rows[2][1] != "jo@acme.edu" || rows[2][2] != "3" || rows[2][3] != "1" {
		t.Fatalf("CSV export %q", rows)
	}

	// Removal without return: listed as removed, refused at the URL, licence freed.
	dean.do("POST", progPath+"/members/"+url.PathEscape("ann@acme.edu")+"/removal", map[string]any{"allowReturn": false}).must(t, 200)
	if got := view("status=removed"); !slices.Equal(got, []string{"ann@acme.edu"}) {
		t.Errorf("removed: %v", got)
	}
	ann.do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 403)
	if c := dean.do("GET", orgPath+"/contracts/"+contract, nil).must(t, 200); c.num("used") != 1 || c.num("utilised") != 1 {
		t.Fatalf("contract after removal: %s", c.raw)
	}
}

// TestDeleteProgramWithMembers deletes a program with members over HTTP:
// accepted at once, members removed in the background with the exit email
// once each, then the program gone and its slug free.
func TestDeleteProgramWithMembers(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	contract := s.contract(t, dean, orgPath, "Seats", 10)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Doomed " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)
	for _, e := range []string{"a@acme.edu", "b@acme.edu", "c@acme.edu"} {
		s.as(e).do("POST", "/v1/programs/"+program.str("slug")+"/join", nil).must(t, 200)
	}
	if r := dean.do("DELETE", progPath, nil).must(t, 202); r.str("status") != "deleting" {
		t.Fatalf("delete: %s", r.raw)
	}
	s.as("late@acme.edu").do("POST", "/v1/programs/"+program.str("slug")+"/join", nil)
	for deadline := time.Now().Add(progressBound); ; time.Sleep(200 * time.Millisecond) {
		if dean.do("GET", progPath, nil).status == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program was not deleted within %s", progressBound)
		}
	}
	for deadline := time.Now().Add(progressBound); ; time.Sleep(200 * time.Millisecond) {
		exits := 0
		for _, e := range []string{"a@acme.edu", "b@acme.edu", "c@acme.edu"} {
			for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
				if len(m.To) == 1 && m.To[0] == e && strings.Contains(m.Subject, "removed") {
					exits++
				}
			}
		}
		if exits == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d exit emails, want one for each of the 3 members", exits)
		}
	}
	if c := dean.do("GET", orgPath+"/contracts/"+contract, nil).must(t, 200); c.num("used") != 0 {
		t.Fatalf("licences still used after the program's deletion: %s", c.raw)
	}
	dean.do("POST", orgPath+"/programs", map[string]any{"name": "Again", "slug": program.str("slug")}).must(t, 201)
}

// TestMemberExportBlackBox exports a program's members in the background
// over HTTP: 202 with a Location, polled until done, downloaded with its
// presigned link, and the CSV agrees with the paged JSON view.
func TestMemberExportBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	contract := s.contract(t, dean, orgPath, "Seats", 50)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Export " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)
	const n = 23
	for i := range n {
		s.as(fmt.Sprintf("m%02d@acme.edu", i)).do("POST", "/v1/programs/"+program.str("slug")+"/join", nil).must(t, 200)
	}

	// The paged JSON view, 5 a page.
	var paged []string
	for cursor, pages := "", 0; ; pages++ {
		r := dean.do("GET", progPath+"/members?status=joined&sort=email&order=desc&limit=5&cursor="+url.QueryEscape(cursor), nil).must(t, 200)
		for _, it := range r.get("items").([]any) {
			paged = append(paged, it.(map[string]any)["email"].(string))
		}
		if cursor = r.str("nextCursor"); cursor == "" || pages > 20 {
			break
		}
	}
	if len(paged) != n {
		t.Fatalf("the view pages %d members, want %d", len(paged), n)
	}

	// The export of the same selection.
	started := time.Now()
	created := dean.do("POST", progPath+"/member-exports",
		map[string]any{"status": "joined", "sort": "email", "order": "desc", "columns": []string{"status", "contract"}}).must(t, 202)
	location := created.header.Get("Location")
	if created.str("status") != "queued" || location != progPath+"/member-exports/"+created.str("id") {
		t.Fatalf("create: %s, Location %q", created.raw, location)
	}
	var done reply
	for deadline := time.Now().Add(progressBound); ; time.Sleep(200 * time.Millisecond) {
		done = dean.do("GET", location, nil).must(t, 200)
		if st := done.str("status"); st == "done" || st == "failed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export did not finish within %s: %s", progressBound, done.raw)
		}
	}
	if done.str("status") != "done" || done.num("rows") != n || done.str("downloadUrl") == "" {
		t.Fatalf("export %s", done.raw)
	}
	s.as("outsider@elsewhere.org").do("GET", location, nil).must(t, 403)

	// The link names the file (S3 answers with it; moto may not).
	// The file is named for the day the export ran, on the real clock: the
	// test accepts the day it started and the day it is now.
	link, err := url.Parse(done.str("downloadUrl"))
	named := func(day time.Time) string {
		return files.ContentDisposition("members-" + program.str("slug") + "-" + day.UTC().Format(time.DateOnly) + ".csv")
	}
	got := link.Query().Get("response-content-disposition")
	if err != nil || (got != named(started) && got != named(time.Now())) {
		t.Errorf("download link %s, want one signed for %s", done.str("downloadUrl"), named(started))
	}
	res, err := http.Get(done.str("downloadUrl"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); cd != "" && cd != got {
		t.Errorf("Content-Disposition %q, want %q", cd, got)
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || len(rows) != n+1 || strings.Join(rows[0], ",") != "Learner,Email,Status,Contracts" {
		t.Fatalf("downloaded CSV: %d rows, %v (%v)", len(rows), rows[:min(2, len(rows))], err)
	}
	var exported []string
	for _, r := range rows[1:] {
		exported = append(exported, r[1])
		if r[2] != "MEMBER" || r[3] != "Seats" { // the contract by its name
			t.Errorf("row %q", r)
		}
	}
	if !slices.Equal(exported, paged) {
		t.Errorf("exported %v\nthe view pages %v", exported, paged)
	}
}
