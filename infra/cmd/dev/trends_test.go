package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/learnops/backoffice/infra/local"
)

// TestTrendsBlackBox joins, enrolls and records activity in two programs
// over HTTP, then reads the trends as the org admin, as a program admin
// and as another org's admin.
func TestTrendsBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	seats := s.contract(t, dean, orgPath, "Seats", 10)
	programs := map[string]reply{}
	for _, name := range []string{"Analytics", "Design"} {
		p := dean.do("POST", orgPath+"/programs", map[string]any{"name": name + " " + s.sender[:8]}).must(t, 201)
		path := orgPath + "/programs/" + p.str("id")
		dean.do("POST", path+"/collections", map[string]any{"name": "All", "items": []any{
			map[string]any{"id": "c0", "type": "course", "name": "Course 0"}}}).must(t, 201)
		dean.do("POST", path+"/domains", map[string]any{"domain": "acme.edu", "contractId": seats}).must(t, 201)
		programs[name] = p
	}
	analytics, design := programs["Analytics"], programs["Design"]
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin",
		"programIds": []any{analytics.str("id")}}).must(t, 201)

	// Two members in Analytics, one in Design; each enrolls and learns
	// three days ago (the event's time decides the day).
	learnedAt := now.AddDate(0, 0, -3)
	for who, p := range map[string]reply{"jo@acme.edu": analytics, "ann@acme.edu": analytics, "zed@acme.edu": design} {
		s.as(who).do("POST", "/v1/programs/"+p.str("slug")+"/join", nil).must(t, 200)
		s.as(who).do("POST", "/v1/programs/"+p.str("slug")+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
		detail := map[string]any{"programSlug": p.str("slug"), "email": who, "itemId": "c0", "occurredAt": learnedAt,
			"learningMinutes": 90, "progress": 100, "completedAt": learnedAt}
		b, _ := json.Marshal(detail)
		for range 2 { // a replay adds nothing
			res, err := http.Post(s.base+local.ActivityPath, "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("POST %s: %d", local.ActivityPath, res.StatusCode)
			}
		}
	}

	// The range runs from before the activity to after today, so that
	// joins and enrollments count in it whenever the server's day turns.
	from, to := now.AddDate(0, 0, -5).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
	trends := func(c caller, status int, params map[string]string) reply {
		t.Helper()
		q := url.Values{"from": {from}, "to": {to}}
		for k, v := range params {
			q.Set(k, v)
		}
		return c.do("GET", orgPath+"/trends?"+q.Encode(), nil).must(t, status)
	}
	check := func(who string, r reply, minutes, members int) {
		t.Helper()
		if r.num("totals", "learningMinutes") != minutes || r.num("totals", "joins") != members ||
			r.num("totals", "enrollments") != members || r.num("totals", "completions") != members {
			t.Errorf("%s: totals %v, want %d minutes and %d joins, enrollments and completions", who, r.get("totals"), minutes, members)
		}
	}
	org := trends(dean, 200, nil)
	check("org", org, 270, 3)
	points := org.get("points").([]any)
	if len(points) != 7 {
		t.Fatalf("%d daily points for 7 days: %s", len(points), org.raw)
	}
	day := points[2].(map[string]any) // learnedAt's day
	if day["start"] != learnedAt.Format("2006-01-02") || day["learningMinutes"] != 270.0 || day["learningHours"] != 4.5 || day["completions"] != 3.0 {
		t.Errorf("the day of the activity: %v", day)
	}
	for _, bucket := range []string{"week", "month"} {
		check("org by "+bucket, trends(dean, 200, map[string]string{"bucket": bucket}), 270, 3)
	}
	check("Analytics", trends(dean, 200, map[string]string{"programId": analytics.str("id")}), 180, 2)
	check("Design", trends(dean, 200, map[string]string{"programId": design.str("id")}), 90, 1)
	trends(dean, 400, map[string]string{"bucket": "year"})
	trends(dean, 400, map[string]string{"from": to, "to": from})

	// A program admin: their program only.
	pam := s.as("pam@acme.edu")
	check("Analytics for its admin", trends(pam, 200, map[string]string{"programId": analytics.str("id")}), 180, 2)
	trends(pam, 403, nil)
	trends(pam, 404, map[string]string{"programId": design.str("id")})

	// Another org's admin sees nothing of Acme's.
	globex := s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Globex", "admins": []any{map[string]any{"email": "gina@globex.example"}}}).must(t, 201)
	gina := s.as("gina@globex.example")
	trends(gina, 403, nil)
	trends(gina, 403, map[string]string{"programId": analytics.str("id")})
	gina.do("GET", "/v1/orgs/"+globex.str("id")+"/trends?programId="+analytics.str("id"), nil).must(t, 404)
}
