package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// itemIDs lists the ids of a collection's items, in order, as the
// program's catalogue answers them.
func itemIDs(t *testing.T, c caller, progPath, collectionID string) string {
	t.Helper()
	cols, _ := c.do("GET", progPath+"/collections", nil).must(t, 200).get("items").([]any)
	for _, col := range cols {
		m := col.(map[string]any)
		if m["id"] != collectionID {
			continue
		}
		var ids []string
		for _, it := range m["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		return strings.Join(ids, ",")
	}
	t.Fatalf("no collection %s", collectionID)
	return ""
}

// cast is a running system with an org (Acme) of two programs, its org
// admin (dean), a program admin of the first (pat) and one of the second
// (oz), and the admin of another org (hank).
type cast struct {
	s                   *system
	dean, pat, oz, hank caller
	orgPath, progPath   string
	prog, other         reply
}

func newCast(t *testing.T) cast {
	s := startSystem(t)
	dean, orgPath, _ := s.acme(t)
	prog := dean.do("POST", orgPath+"/programs", map[string]any{"name": "First " + s.sender[:8]}).must(t, 201)
	other := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Second " + s.sender[:8]}).must(t, 201)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pat@acme.edu", "role": "program_admin", "programIds": []string{prog.str("id")}}).must(t, 201)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "oz@acme.edu", "role": "program_admin", "programIds": []string{other.str("id")}}).must(t, 201)
	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Globex", "admins": []any{map[string]any{"email": "hank@globex.com"}}}).must(t, 201)
	return cast{s: s, dean: dean, pat: s.as("pat@acme.edu"), oz: s.as("oz@acme.edu"), hank: s.as("hank@globex.com"),
		orgPath: orgPath, progPath: orgPath + "/programs/" + prog.str("id"), prog: prog, other: other}
}

// TestCatalogueMoveCopyBlackBox moves and copies items between a program's
// collections over HTTP: a program admin of the program may, an admin of
// another org and a program admin of another program may not, a refusal
// names its field or says it conflicts, and nothing is written on a 4xx.
func TestCatalogueMoveCopyBlackBox(t *testing.T) {
	c := newCast(t)
	dean, pat, oz, hank, progPath := c.dean, c.pat, c.oz, c.hank, c.progPath

	course := func(id string) map[string]any {
		return map[string]any{"id": id, "type": "course", "name": strings.ToUpper(id)}
	}
	a := pat.do("POST", progPath+"/collections", map[string]any{"name": "A", "items": []any{course("c-1"), course("c-2"), course("c-3")}}).must(t, 201).str("id")
	b := pat.do("POST", progPath+"/collections", map[string]any{"name": "B", "items": []any{course("c-9")}}).must(t, 201).str("id")
	itemPath := func(col, item, action string) string {
		return progPath + "/collections/" + col + "/items/" + item + "/" + action
	}
	state := func() string { return itemIDs(t, pat, progPath, a) + "|" + itemIDs(t, pat, progPath, b) }
	if got := state(); got != "c-1,c-2,c-3|c-9" {
		t.Fatalf("catalogue %s", got)
	}

	// Refusals write nothing.
	refusals := []struct {
		who    caller
		path   string
		body   any
		status int
		field  string
	}{
		{hank, itemPath(a, "c-1", "move"), map[string]any{"collectionId": b}, 403, ""},
		{oz, itemPath(a, "c-1", "copy"), map[string]any{"collectionId": b}, 404, ""},
		{pat, itemPath(a, "c-1", "move"), map[string]any{"collectionId": "col_nope"}, 400, "collectionId"},
		{pat, itemPath(a, "c-1", "copy"), map[string]any{"collectionId": a}, 400, "collectionId"},
		{pat, itemPath(a, "c-1", "move"), map[string]any{"collectionId": b, "position": 5}, 400, "position"},
		{pat, itemPath(a, "c-1", "move"), map[string]any{"position": -1}, 400, "position"},
		{pat, itemPath(a, "c-1", "move"), map[string]any{"collectionId": 7}, 400, "collectionId"},
		{pat, itemPath(a, "c-7", "move"), map[string]any{"collectionId": b}, 404, ""},
	}
	for _, r := range refusals {
		got := r.who.do("POST", r.path, r.body)
		if got.status != r.status {
			t.Errorf("POST %s %v: %d, want %d: %s", r.path, r.body, got.status, r.status, got.raw)
			continue
		}
		if r.field != "" && !strings.Contains(got.raw, `"field":"`+r.field+`"`) {
			t.Errorf("POST %s %v: the error does not name %s: %s", r.path, r.body, r.field, got.raw)
		}
	}
	if got := state(); got != "c-1,c-2,c-3|c-9" {
		t.Fatalf("refusals changed the catalogue: %s", got)
	}

	// A copy keeps the source; a move takes the item out of it, in one
	// write; the target may not hold the item twice.
	pat.do("POST", itemPath(a, "c-2", "copy"), map[string]any{"collectionId": b, "position": 0}).must(t, 201)
	if got := state(); got != "c-1,c-2,c-3|c-2,c-9" {
		t.Fatalf("after the copy: %s", got)
	}
	pat.do("POST", itemPath(a, "c-2", "move"), map[string]any{"collectionId": b}).must(t, 409)
	pat.do("POST", itemPath(a, "c-3", "move"), map[string]any{"collectionId": b, "position": 1}).must(t, 200)
	if got := state(); got != "c-1,c-2|c-2,c-3,c-9" {
		t.Fatalf("after the move: %s", got)
	}
	// And within a collection: the position is the item's new index.
	dean.do("POST", itemPath(b, "c-9", "move"), map[string]any{"position": 0}).must(t, 200)
	if got := state(); got != "c-1,c-2|c-9,c-2,c-3" {
		t.Fatalf("after the reorder: %s", got)
	}
}

// TestProgramBannerBlackBox sets, shows and removes a program's banner over
// HTTP: the program's admins upload it by a presigned URL, only a PNG or
// JPEG is taken, and the learner's page of the program links to it.
func TestProgramBannerBlackBox(t *testing.T) {
	c := newCast(t)
	dean, pat, oz, hank, progPath, orgPath := c.dean, c.pat, c.oz, c.hank, c.progPath, c.orgPath
	prog, other := c.prog, c.other
	learner := c.s.as("lee@example.org")

	// Who may start an upload, and of what.
	png := map[string]any{"contentType": "image/png", "size": len(pngLogo)}
	hank.do("POST", progPath+"/banner-uploads", png).must(t, 403)
	oz.do("POST", progPath+"/banner-uploads", png).must(t, 404)
	if r := pat.do("POST", progPath+"/banner-uploads", map[string]any{"contentType": "image/svg+xml", "size": 10}).must(t, 400); !strings.Contains(r.raw, `"field":"contentType"`) {
		t.Fatalf("an SVG's refusal does not name contentType: %s", r.raw)
	}

	// A file that is not an image is refused and nothing is written.
	fake := []byte("<html><script>alert(1)</script></html>")
	bad := pat.do("POST", progPath+"/banner-uploads", map[string]any{"contentType": "image/png", "size": len(fake)}).must(t, 201)
	upload(t, bad.str("uploadUrl"), "image/png", fake)
	if r := pat.do("PATCH", progPath, map[string]any{"bannerUploadId": bad.str("id"), "name": "Renamed"}).must(t, 400); !strings.Contains(r.raw, `"field":"bannerUploadId"`) {
		t.Fatalf("the refusal does not name bannerUploadId: %s", r.raw)
	}
	if p := pat.do("GET", progPath, nil).must(t, 200); p.str("bannerUrl") != "" || p.str("name") == "Renamed" {
		t.Fatalf("a refused banner wrote: %s", p.raw)
	}

	// A PNG is taken; the program's answers and the learner's page link to it.
	up := pat.do("POST", progPath+"/banner-uploads", png).must(t, 201)
	upload(t, up.str("uploadUrl"), "image/png", pngLogo)
	p := pat.do("PATCH", progPath, map[string]any{"bannerUploadId": up.str("id")}).must(t, 200)
	if p.str("bannerContentType") != "image/png" || p.str("bannerUrl") == "" {
		t.Fatalf("program %s", p.raw)
	}
	for _, link := range []string{p.str("bannerUrl"), dean.do("GET", progPath, nil).must(t, 200).str("bannerUrl"),
		learner.do("GET", "/v1/programs/"+prog.str("slug"), nil).must(t, 200).str("bannerUrl")} {
		if got := fetch(t, link); !bytes.Equal(got, pngLogo) {
			t.Fatalf("the banner link %q gives %d bytes, want the PNG", link, len(got))
		}
	}
	// An upload for one program cannot become another's banner.
	dean.do("PATCH", orgPath+"/programs/"+other.str("id"), map[string]any{"bannerUploadId": up.str("id")}).must(t, 400)
	if page := learner.do("GET", "/v1/programs/"+other.str("slug"), nil).must(t, 200); page.str("bannerUrl") != "" {
		t.Fatalf("a program without a banner shows one: %s", page.raw)
	}

	// Removing it.
	if p := pat.do("PATCH", progPath, map[string]any{"bannerUploadId": ""}).must(t, 200); p.str("bannerUrl") != "" || p.str("bannerContentType") != "" {
		t.Fatalf("removed banner still there: %s", p.raw)
	}
	if page := learner.do("GET", "/v1/programs/"+prog.str("slug"), nil).must(t, 200); page.str("bannerUrl") != "" {
		t.Fatalf("the learner's page keeps a removed banner: %s", page.raw)
	}
}

// fetch GETs a link and returns its body.
func fetch(t *testing.T, link string) []byte {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", link, res.StatusCode, body)
	}
	return body
}
