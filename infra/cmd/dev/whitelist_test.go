package main

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestWhitelistBlackBox is the "done when" of the whitelist capability,
// run against the local system over HTTP.
func TestWhitelistBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	newContract := func(name string, licences int) string { return s.contract(t, dean, orgPath, name, licences) }
	contract := newContract("Seats", 5)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Whitelist " + s.sender[:8]}).must(t, 201)
	progPath := orgPath + "/programs/" + program.str("id")
	slug := program.str("slug")

	// Domains one by one: normalised, public and malformed ones refused with the reason.
	d := dean.do("POST", progPath+"/domains", map[string]any{"domain": "ACME.edu.", "contractId": contract}).must(t, 201)
	if d.str("domain") != "acme.edu" || d.str("display") != "ACME.edu" {
		t.Fatalf("added %s", d.raw)
	}
	for domain, want := range map[string]string{
		"gmail.com": "public email domain", "jo@acme.edu": "@", "https://acme.edu": "scheme", "acme.edu:8080": "port",
		"*.acme.edu": "wildcard", "acme .edu": "space",
	} {
		r := dean.do("POST", progPath+"/domains", map[string]any{"domain": domain, "contractId": contract}).must(t, 400)
		if !strings.Contains(strings.ToLower(r.raw), want) {
			t.Errorf("adding %q: %s does not say %q", domain, r.raw, want)
		}
	}
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.EDU", "contractId": contract}).must(t, 409)

	// By CSV, dry run then for real, with the guide's counts.
	csv := "Domain\nbeta.edu\ngamma.edu\nBETA.EDU\nyahoo.com\nnot a domain\nacme.edu\n"
	dry := dean.do("POST", progPath+"/domain-imports", map[string]any{"csv": csv, "contractId": contract, "dryRun": true}).must(t, 200)
	if dry.num("added") != 2 || dry.num("skipped") != 4 || dry.num("updated") != 0 {
		t.Fatalf("dry run %s", dry.raw)
	}
	if n := len(dean.do("GET", progPath+"/domains", nil).must(t, 200).get("items").([]any)); n != 1 {
		t.Fatalf("the dry run wrote: %d domains", n)
	}
	real := dean.do("POST", progPath+"/domain-imports", map[string]any{"csv": csv, "contractId": contract}).must(t, 200)
	if real.num("added") != 2 || real.num("skipped") != 4 {
		t.Fatalf("import %s", real.raw)
	}
	if n := len(dean.do("GET", progPath+"/domains?search=be", nil).must(t, 200).get("items").([]any)); n != 1 {
		t.Fatalf("search found %d domains", n)
	}

	// Self-join: exact matches only, verified emails only.
	page := s.as("jo@acme.edu").do("GET", "/v1/programs/"+slug, nil).must(t, 200)
	if page.str("status") != "can_join_by_domain" {
		t.Fatalf("program page %s", page.raw)
	}
	s.as("jo@acme.edu").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	s.as("Ann@ACME.EDU").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	for _, email := range []string{"jo@evil-acme.edu", "jo@acme.edu.evil.com", "jo@mail.acme.edu"} {
		s.as(email).do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 403)
	}
	unverified, err := localToken(s, "zed@acme.edu", false)
	if err != nil {
		t.Fatal(err)
	}
	unverified.do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 403)
	if again := s.as("jo@acme.edu").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200); again.get("alreadyMember") != true {
		t.Fatalf("joining twice: %s", again.raw)
	}

	// Removal with return, then back through the URL; without, refused.
	dean.do("POST", progPath+"/members/"+url.PathEscape("jo@acme.edu")+"/removal", map[string]any{"allowReturn": true}).must(t, 200)
	if p := s.as("jo@acme.edu").do("GET", "/v1/programs/"+slug, nil).must(t, 200); p.str("status") != "can_rejoin" {
		t.Fatalf("page after removal with return: %s", p.raw)
	}
	s.as("jo@acme.edu").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	dean.do("POST", progPath+"/member-removals", map[string]any{"emails": []string{"ann@acme.edu"}, "allowReturn": false}).must(t, 200)
	s.as("ann@acme.edu").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 403)

	// Removing a domain stops new self-joins.
	dean.do("DELETE", progPath+"/domains/"+url.PathEscape("gamma.edu"), nil).must(t, 204)
	s.as("new@gamma.edu").do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 403)

	// 200 concurrent self-joins fill a three-licence contract exactly.
	small := newContract("Small", 3)
	rushProg := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Rush " + s.sender[:8]}).must(t, 201)
	dean.do("POST", orgPath+"/programs/"+rushProg.str("id")+"/domains", map[string]any{"domain": "rush.edu", "contractId": small}).must(t, 201)
	const joiners = 200
	statuses := make([]int, joiners)
	callers := make([]caller, joiners)
	for i := range joiners {
		callers[i] = s.as(fmt.Sprintf("r%03d@rush.edu", i))
	}
	var wg sync.WaitGroup
	for i := range joiners {
		wg.Go(func() { statuses[i] = callers[i].do("POST", "/v1/programs/"+rushProg.str("slug")+"/join", nil).status })
	}
	wg.Wait()
	counts := map[int]int{}
	for _, st := range statuses {
		counts[st]++
	}
	sc := dean.do("GET", orgPath+"/contracts/"+small, nil).must(t, 200)
	if counts[200] != 3 || counts[409] != joiners-3 || sc.num("used") != 3 {
		t.Fatalf("statuses %v, contract %s: want 3 joined, %d refused as full, used 3", counts, sc.raw, joiners-3)
	}
}
