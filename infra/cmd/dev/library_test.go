package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/learnops/backoffice/infra/local"
)

// TestLibraryBlackBox runs the course library on the local system:
// operators load it (JSON and CSV, idempotently), admins of the org
// search it and add from it by id, the catalogue counts enrollments and
// completions, and an admin of another org gets 403 or 404 with nothing
// written.
func TestLibraryBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	op := s.as("op@platform.example.com", "platform-operators")
	other := s.as("boss@globex.example")
	op.do("POST", "/v1/orgs", map[string]any{"name": "Globex", "admins": []any{map[string]any{"email": "boss@globex.example"}}}).must(t, 201)

	// Ids and words of this run's own, so that runs sharing an endpoint do not meet.
	sfx := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	ml, py, ds := "ml-"+sfx, "py-"+sfx, "ds-"+sfx
	load := map[string]any{"items": []any{
		map[string]any{"id": ml, "type": "course", "name": "Machine Learning " + sfx, "university": "Stanford " + sfx},
		map[string]any{"id": py, "type": "course", "name": "Python " + sfx, "university": "Michigan " + sfx},
	}}
	if r := op.do("POST", "/v1/library/items", load).must(t, 200); r.num("created") != 2 {
		t.Fatalf("load %s", r.raw)
	}
	if r := op.do("POST", "/v1/library/items", load).must(t, 200); r.num("unchanged") != 2 || r.num("created") != 0 {
		t.Fatalf("load again %s", r.raw)
	}
	csv := "id,type,name,university,courseIds\n" + ds + ",specialization,Data " + sfx + " Science,Michigan " + sfx + "," + ml + ";" + py + "\n"
	if r := op.do("POST", "/v1/library/items", map[string]any{"csv": csv}).must(t, 200); r.num("created") != 1 {
		t.Fatalf("csv load %s", r.raw)
	}
	// Refused loads write nothing.
	dean.do("POST", "/v1/library/items", map[string]any{"items": []any{map[string]any{"id": "x-" + sfx, "type": "course", "name": "Nope " + sfx}}}).must(t, 403)
	bad := op.do("POST", "/v1/library/items", map[string]any{"csv": "id,type,name\nok-" + sfx + ",course,Fine " + sfx + "\nbad-" + sfx + ",course,\n"}).must(t, 400)
	if !strings.Contains(bad.raw, "line 3.name") {
		t.Fatalf("bad load %s", bad.raw)
	}
	search := func(c caller, q string) reply {
		return c.do("GET", orgPath+"/library?q="+url.QueryEscape(q), nil)
	}
	for _, q := range []string{"nope " + sfx, "fine " + sfx} {
		if n := len(search(dean, q).must(t, 200).get("items").([]any)); n != 0 {
			t.Fatalf("a refused load wrote: %q finds %d", q, n)
		}
	}

	// Admins search by name, a later word, or university.
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Library " + sfx, "enrollmentLimit": 2}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin", "programIds": []string{program.str("id")}}).must(t, 201)
	pam := s.as("pam@acme.edu")
	for q, want := range map[string]string{"machine learning " + sfx: ml, "learning " + sfx: ml, "stanford " + sfx: ml, "data " + sfx: ds} {
		for _, c := range []caller{dean, pam} {
			items := search(c, q).must(t, 200).get("items").([]any)
			if len(items) != 1 || items[0].(map[string]any)["id"] != want {
				t.Fatalf("search %q: %v, want %s", q, items, want)
			}
		}
	}
	if r := search(dean, "michigan "+sfx).must(t, 200); len(r.get("items").([]any)) != 2 {
		t.Fatalf("search by university %s", r.raw)
	}
	search(dean, "m").must(t, 400)
	search(other, "machine learning "+sfx).must(t, 403)

	// Building a collection from the library: by id, the rest filled in.
	col := dean.do("POST", progPath+"/collections", map[string]any{"name": "Picks"}).must(t, 201)
	colPath := progPath + "/collections/" + col.str("id")
	added := pam.do("POST", colPath+"/items", map[string]any{"libraryId": ml}).must(t, 201)
	item := added.get("items").([]any)[0].(map[string]any)
	if item["name"] != "Machine Learning "+sfx || item["slug"] != "machine-learning-"+sfx || item["type"] != "course" {
		t.Fatalf("item added from the library %v", item)
	}
	dean.do("POST", colPath+"/items", map[string]any{"libraryId": ds}).must(t, 201)
	dean.do("POST", colPath+"/items", map[string]any{"libraryId": "nope-" + sfx}).must(t, 400)
	other.do("POST", colPath+"/items", map[string]any{"libraryId": py}).must(t, 403)
	if n := len(dean.do("GET", progPath+"/collections", nil).must(t, 200).get("items").([]any)[0].(map[string]any)["items"].([]any)); n != 2 {
		t.Fatalf("%d items after refused additions, want 2", n)
	}

	// Members enroll; the catalogue counts them, and a completion.
	contract := s.contract(t, dean, orgPath, "Seats", 5)
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)
	slug := program.str("slug")
	for _, e := range []string{"jo@acme.edu", "ann@acme.edu"} {
		s.as(e).do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
		s.as(e).do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": ml}).must(t, 201)
	}
	detail, _ := json.Marshal(map[string]any{"programSlug": slug, "email": "jo@acme.edu", "itemId": ml, "occurredAt": now,
		"progress": 100, "learningMinutes": 60, "completedAt": now})
	res, err := http.Post(s.base+local.ActivityPath, "application/json", bytes.NewReader(detail))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("activity: %v %v", res, err)
	}
	res.Body.Close()
	for _, c := range []caller{dean, pam} {
		cat := c.do("GET", progPath+"/collections", nil).must(t, 200)
		counted := cat.get("items").([]any)[0].(map[string]any)["items"].([]any)
		first, second := counted[0].(map[string]any), counted[1].(map[string]any)
		if first["enrolled"] != float64(2) || first["completed"] != float64(1) || second["enrolled"] != float64(0) {
			t.Fatalf("catalogue counts %s", cat.raw)
		}
	}
	other.do("GET", progPath+"/collections", nil).must(t, 403)
	s.as("pam2@acme.edu").do("GET", progPath+"/collections", nil).must(t, 403)
}

// TestLearnerPagesBlackBox runs the learner's side of a program: the
// invitation page before accepting (no licence taken), and a member's
// program page with their enrollments and what is left of their limit.
func TestLearnerPagesBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	other := s.as("boss@globex.example")
	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Globex", "admins": []any{map[string]any{"email": "boss@globex.example"}}}).must(t, 201)
	contract := s.contract(t, dean, orgPath, "Seats", 3)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Pages " + s.sender[:8], "tagline": "Learn", "enrollmentLimit": 2}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	slug := program.str("slug")
	var items []any
	for _, id := range []string{"c0", "c1", "c2"} {
		items = append(items, map[string]any{"id": id, "type": "course", "name": "Course " + id})
	}
	dean.do("POST", progPath+"/collections", map[string]any{"name": "Second", "items": items[2:]}).must(t, 201)
	dean.do("POST", progPath+"/collections", map[string]any{"name": "First", "items": items[:2], "position": 0}).must(t, 201)

	// The invitation page, before accepting: no licence taken.
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Ada Lovelace", "email": "ada@acme.edu", "contractId": contract}).must(t, 201)
	token := s.tokenFor("ada@acme.edu")
	ada := s.as("Ada@acme.edu")
	page := ada.do("GET", "/v1/invitations/"+token, nil).must(t, 200)
	if page.str("status") != "pending" || page.str("orgName") != "Acme" || page.str("program", "name") != program.str("name") ||
		page.str("fullName") != "Ada Lovelace" || page.get("brand") != nil {
		t.Fatalf("invitation page %s", page.raw)
	}
	if c := dean.do("GET", orgPath+"/contracts/"+contract, nil).must(t, 200); c.num("used") != 0 {
		t.Fatalf("the page took a licence: %s", c.raw)
	}
	other.do("GET", "/v1/invitations/"+token, nil).must(t, 403)
	dean.do("GET", "/v1/invitations/"+token, nil).must(t, 403)
	ada.do("GET", "/v1/invitations/"+token+"x", nil).must(t, 404)
	ada.do("POST", "/v1/invitations/"+token+"/accept", nil).must(t, 200)
	if p := ada.do("GET", "/v1/invitations/"+token, nil).must(t, 200); p.str("status") != "accepted" {
		t.Fatalf("page after accepting %s", p.raw)
	}

	// The member's program page.
	ada.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c1"}).must(t, 201)
	cat := ada.do("GET", "/v1/programs/"+slug+"/catalog", nil).must(t, 200)
	cols := cat.get("collections").([]any)
	if len(cols) != 2 || cols[0].(map[string]any)["name"] != "First" || cat.num("enrollmentsLeft") != 1 || cat.num("enrollmentLimit") != 2 {
		t.Fatalf("program page %s", cat.raw)
	}
	first := cols[0].(map[string]any)["items"].([]any)
	c0, c1 := first[0].(map[string]any), first[1].(map[string]any)
	if c0["enrolled"] != false || c0["canEnroll"] != true || c1["enrolled"] != true || c1["canEnroll"] != false || c1["progress"] != float64(0) {
		t.Fatalf("items %v", first)
	}
	ada.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c2"}).must(t, 201)
	if full := ada.do("GET", "/v1/programs/"+slug+"/catalog", nil).must(t, 200); full.num("enrollmentsLeft") != 0 ||
		full.get("collections").([]any)[0].(map[string]any)["items"].([]any)[0].(map[string]any)["canEnroll"] != false {
		t.Fatalf("page at the limit %s", full.raw)
	}
	for _, c := range []caller{other, dean, s.as("stranger@elsewhere.org")} {
		c.do("GET", "/v1/programs/"+slug+"/catalog", nil).must(t, 403)
	}
	s.as("ada@acme.edu").do("GET", "/v1/programs/no-such-program-"+time.Now().Format("150405")+"/catalog", nil).must(t, 404)
}
