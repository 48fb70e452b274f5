package main

import (
	"encoding/csv"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestMembersViewBlackBox runs the members view's additions on the local
// system: filters by several contracts and courses, the selection's count,
// one learner's progress, a CSV of learners picked by hand (guide labels,
// contract names), the org-wide users page, each as org admin and program
// admin, and an admin of another org refused on every route.
func TestMembersViewBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	seatsA := s.contract(t, dean, orgPath, "Seats A", 10)
	seatsB := s.contract(t, dean, orgPath, "Seats B", 10)
	seatsC := s.contract(t, dean, orgPath, "Seats C", 10)
	mk := func(name string) (string, string, string) {
		p := dean.do("POST", orgPath+"/programs", map[string]any{"name": name + " " + s.sender[:8]}).must(t, 201)
		return p.str("id"), p.str("slug"), orgPath + "/programs/" + p.str("id")
	}
	pid, slug, progPath := mk("View")
	_, _, otherPath := mk("Other")
	var items []any
	for _, id := range []string{"c0", "c1", "c2"} {
		items = append(items, map[string]any{"id": id, "type": "course", "name": "Course " + id})
	}
	dean.do("POST", progPath+"/collections", map[string]any{"name": "All", "items": items}).must(t, 201)
	// ann (A, c0), bob (B, c1), cy (C, c2) join; dot is invited on A.
	for _, j := range []struct{ email, contract, course string }{
		{"ann@mv.edu", seatsA, "c0"}, {"bob@mv.edu", seatsB, "c1"}, {"cy@mv.edu", seatsC, "c2"}} {
		dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "L " + strings.Split(j.email, "@")[0], "email": j.email, "contractId": j.contract,
			"sendEmail": false}).must(t, 201)
		s.as(j.email).do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
		s.as(j.email).do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": j.course}).must(t, 201)
	}
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": "Dot", "email": "dot@mv.edu", "contractId": seatsA, "sendEmail": false}).must(t, 201)
	dean.do("POST", otherPath+"/invitations", map[string]any{"fullName": "Ann Other", "email": "ann@mv.edu", "contractId": seatsB, "sendEmail": false}).must(t, 201)

	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pa@acme.edu", "role": "program_admin", "programIds": []string{pid}}).must(t, 201)
	pa := s.as("pa@acme.edu")
	emails := func(r reply) []string {
		var out []string
		for _, it := range r.get("items").([]any) {
			out = append(out, it.(map[string]any)["email"].(string))
		}
		return out
	}
	for _, admin := range []caller{dean, pa} {
		// Several contracts, several courses.
		got := emails(admin.do("GET", progPath+"/members?sort=email&contractId="+seatsA+","+seatsB, nil).must(t, 200))
		if !slices.Equal(got, []string{"ann@mv.edu", "bob@mv.edu"}) {
			t.Errorf("contracts A,B: %v", got)
		}
		got = emails(admin.do("GET", progPath+"/members?sort=email&courseId=c1,c2", nil).must(t, 200))
		if !slices.Equal(got, []string{"bob@mv.edu", "cy@mv.edu"}) {
			t.Errorf("courses c1,c2: %v", got)
		}
		// The count of a selection.
		if n := admin.do("GET", progPath+"/member-count?status=joined", nil).must(t, 200).num("count"); n != 3 {
			t.Errorf("joined count %d, want 3", n)
		}
		if n := admin.do("GET", progPath+"/member-count?status=joined&contractId="+seatsC+"&courseId=c0,c2", nil).must(t, 200).num("count"); n != 1 {
			t.Errorf("count on C and c0,c2: %d, want 1", n)
		}
		// One learner with their progress.
		one := admin.do("GET", progPath+"/members/"+url.PathEscape("Bob@mv.edu"), nil).must(t, 200)
		es, _ := one.get("enrollmentItems").([]any)
		if one.str("state") != "MEMBER" || len(es) != 1 || es[0].(map[string]any)["itemId"] != "c1" {
			t.Errorf("bob: %s", one.raw)
		}
		admin.do("GET", progPath+"/members/nobody@mv.edu", nil).must(t, 404)
		// The CSV of learners picked by hand.
		res := admin.do("POST", progPath+"/member-csv", map[string]any{"emails": []string{"cy@mv.edu", "ann@mv.edu", "CY@mv.edu"},
			"columns": []string{"status", "contract"}}).must(t, 200)
		rows, err := csv.NewReader(strings.NewReader(res.raw)).ReadAll()
		want := [][]string{{"Learner", "Email", "Status", "Contracts"}, {"L cy", "cy@mv.edu", "MEMBER", "Seats C"}, {"L ann", "ann@mv.edu", "MEMBER", "Seats A"}}
		if err != nil || !slices.EqualFunc(rows, want, slices.Equal) {
			t.Errorf("picked CSV %q (%v), want %q", rows, err, want)
		}
		admin.do("POST", progPath+"/member-csv", map[string]any{"emails": []string{"ann@mv.edu", "zed@mv.edu"}}).must(t, 404)
		admin.do("POST", progPath+"/member-csv", map[string]any{"emails": []string{}}).must(t, 400)
	}

	// The users page: ann is in both programs for the dean, in one for the
	// program admin; a name search finds dot.
	users := dean.do("GET", orgPath+"/users?search=ann", nil).must(t, 200)
	if got := emails(users); !slices.Equal(got, []string{"ann@mv.edu"}) {
		t.Fatalf("users ann: %s", users.raw)
	}
	if ps := users.get("items").([]any)[0].(map[string]any)["programs"].([]any); len(ps) != 2 {
		t.Errorf("ann's programs for the dean: %v", ps)
	}
	mine := pa.do("GET", orgPath+"/users?search=ann", nil).must(t, 200)
	if ps := mine.get("items").([]any)[0].(map[string]any)["programs"].([]any); len(ps) != 1 || ps[0].(map[string]any)["programId"] != pid {
		t.Errorf("ann's programs for the program admin: %v", ps)
	}
	var all []string
	for cursor := ""; ; {
		page := dean.do("GET", orgPath+"/users?limit=2&cursor="+url.QueryEscape(cursor), nil).must(t, 200)
		all = append(all, emails(page)...)
		if cursor = page.str("nextCursor"); cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"ann@mv.edu", "bob@mv.edu", "cy@mv.edu", "dot@mv.edu"}) {
		t.Errorf("every user, 2 a page: %v", all)
	}
	if got := emails(dean.do("GET", orgPath+"/users?sort=name&search=DO", nil).must(t, 200)); !slices.Equal(got, []string{"dot@mv.edu"}) {
		t.Errorf("name search do: %v", got)
	}
	dean.do("GET", orgPath+"/users?sort=age", nil).must(t, 400)

	// An admin of another org gets nothing.
	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Evil", "admins": []any{map[string]any{"email": "eve@evil.org"}}}).must(t, 201)
	e := s.as("eve@evil.org")
	for _, c := range []struct{ method, path string }{
		{"GET", progPath + "/member-count"}, {"GET", progPath + "/members/ann@mv.edu"}, {"POST", progPath + "/member-csv"},
		{"GET", orgPath + "/users"}, {"GET", otherPath + "/members/ann@mv.edu"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"emails": []string{"ann@mv.edu"}}
		}
		if r := e.do(c.method, c.path, body); r.status != 403 && r.status != 404 {
			t.Errorf("%s %s as another org's admin: %d %s", c.method, c.path, r.status, r.raw)
		}
	}
}
