package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// The person erased: every trace of these three must go.
const (
	erasedEmail = "jo.erasable@acme.edu"
	erasedName  = "Jolene Erasable"
	erasedExtID = "EXT-ERASE-4711"
)

// download reads an export's zip: person.json and the CSV of each section.
func download(t *testing.T, link string) (map[string]any, map[string][]byte) {
	t.Helper()
	files := zipFiles(t, link)
	var person map[string]any
	if err := json.Unmarshal(files["person.json"], &person); err != nil {
		t.Fatalf("person.json: %v", err)
	}
	return person, files
}

// plain renders an item's values as text, binary ones (import result
// lines) as the bytes they hold.
func plain(v any) string {
	switch x := v.(type) {
	case map[string]any:
		var b strings.Builder
		for k, e := range x {
			b.WriteString(k + "=" + plain(e) + " ")
		}
		return b.String()
	case []any:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(plain(e) + " ")
		}
		return b.String()
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}

// traces returns every table item and bucket object that holds the erased
// person's address, name or external id (in any case). Scan is the test's
// own: it reads the whole table to prove nothing is left.
func (s *system) traces(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	needles := []string{strings.ToLower(erasedEmail), strings.ToLower(erasedName), strings.ToLower(erasedExtID)}
	var found []string
	check := func(where, text string) {
		for _, n := range needles {
			if strings.Contains(strings.ToLower(text), n) {
				found = append(found, fmt.Sprintf("%s holds %q", where, n))
			}
		}
	}
	db := dynamodb.NewFromConfig(cfg)
	in := &dynamodb.ScanInput{TableName: aws.String(s.names.Table)}
	for {
		page, err := db.Scan(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("item %v/%v", v["PK"], v["SK"]), plain(v))
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	client := s3.NewFromConfig(cfg, awsconfig.S3Options)
	list := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(s.names.Bucket)})
	for list.HasMorePages() {
		page, err := list.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.names.Bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			text := string(body)
			if zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err == nil {
				text = ""
				for _, f := range zr.File {
					rc, _ := f.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					text += string(b)
				}
			}
			check("object "+aws.ToString(o.Key), text)
		}
	}
	return found
}

// TestPersonalDataBlackBox is the personal-data part of the issue's "done
// when", over HTTP on the local system: a learner with an invitation, a
// membership, an enrollment with activity, a message delivered, a
// suppression, a report and an import naming them; their export holds
// every section, is theirs or their org admins' only; their erasure leaves
// no item or file naming them and every summary as it was, a second
// erasure changes nothing, an import skips them, and an invitation by hand
// brings them back.
func TestPersonalDataBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	contract := s.contract(t, dean, orgPath, "Seats", 10)
	program := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Privacy " + s.sender[:8]}).must(t, 201)
	slug, progPath := program.str("slug"), orgPath+"/programs/"+program.str("id")
	dean.do("POST", progPath+"/collections", map[string]any{"name": "All", "items": []any{
		map[string]any{"id": "c0", "type": "course", "name": "Course 0"}}}).must(t, 201)
	dean.do("POST", progPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": contract}).must(t, 201)

	// The learner: invited, joined, enrolled, active; a bystander beside them.
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": erasedName, "email": erasedEmail,
		"externalId": erasedExtID, "contractId": contract}).must(t, 201)
	jo := s.as(erasedEmail)
	jo.do("POST", "/v1/invitations/"+s.tokenFor(erasedEmail)+"/accept", nil).must(t, 200)
	jo.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
	ann := s.as("ann@acme.edu")
	ann.do("POST", "/v1/programs/"+slug+"/join", nil).must(t, 200)
	ann.do("POST", "/v1/programs/"+slug+"/enrollments", map[string]any{"itemId": "c0"}).must(t, 201)
	detail, _ := json.Marshal(map[string]any{"programSlug": slug, "email": erasedEmail, "itemId": "c0",
		"occurredAt": now.Add(-time.Hour), "progress": 100, "learningMinutes": 75, "completedAt": now.Add(-time.Hour)})
	if res, err := http.Post(s.base+local.ActivityPath, "application/json", bytes.NewReader(detail)); err != nil || res.StatusCode != 202 {
		t.Fatalf("activity: %v %v", res, err)
	}
	// A message delivered to both, then a bounce of the learner's address.
	m := dean.do("POST", orgPath+"/messages", map[string]any{"subject": "Hello", "content": "Hi", "senderName": "Acme Learning",
		"audience": map[string]any{"learners": map[string]any{"programId": program.str("id"), "emails": []string{erasedEmail, "ann@acme.edu"}}}}).must(t, 201)
	msgPath := orgPath + "/messages/" + m.str("id")
	dean.do("POST", msgPath+"/send", map[string]any{"acceptTerms": true}).must(t, 202)
	waitSent(t, dean, msgPath)
	if res, err := http.Post(s.base+local.SESNotificationPath, "application/json",
		strings.NewReader(`{"type":"bounce","email":"`+erasedEmail+`"}`)); err != nil || res.StatusCode >= 300 {
		t.Fatalf("bounce: %v %v", res, err)
	}
	// An import naming them (already a member) and a report.
	imp := dean.do("POST", progPath+"/invitation-imports", map[string]any{"contractId": contract,
		"csv": "Full Name,Email,External ID\n" + erasedName + "," + erasedEmail + "," + erasedExtID + "\nNew Person,new@acme.edu,\n"}).must(t, 202)
	waitImport(t, dean, progPath+"/invitation-imports/"+imp.str("id"))
	rep := dean.do("POST", orgPath+"/reports", map[string]any{}).must(t, 202)
	for deadline := time.Now().Add(progressBound); rep.str("status") != "done"; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) || rep.str("status") == "failed" {
			t.Fatalf("report: %s", rep.raw)
		}
		rep = dean.do("GET", orgPath+"/reports/"+rep.str("id"), nil).must(t, 200)
	}

	// A member export searched by their address: the file and its audit
	// record (the search typed) name them.
	mex := dean.do("POST", progPath+"/member-exports", map[string]any{"search": erasedEmail}).must(t, 202)
	mexPath := mex.header.Get("Location")
	for deadline := time.Now().Add(progressBound); mex.str("status") != "done"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) || mex.str("status") == "failed" {
			t.Fatalf("member export: %s", mex.raw)
		}
		mex = dean.do("GET", mexPath, nil).must(t, 200)
	}

	// The export by an org admin: every section present and non-empty.
	person := url.PathEscape(erasedEmail)
	ex := dean.do("POST", orgPath+"/people/"+person+"/data-export", nil).must(t, 202)
	exPath := ex.header.Get("Location")
	if exPath != orgPath+"/data-exports/"+ex.str("id") || ex.str("status") != "requested" {
		t.Fatalf("export: %s, Location %q", ex.raw, exPath)
	}
	done := waitJob(t, dean, exPath)
	if done.str("status") != "ready" || done.str("downloadUrl") == "" {
		t.Fatalf("export %s", done.raw)
	}
	doc, files := download(t, done.str("downloadUrl"))
	sections, _ := doc["sections"].(map[string]any)
	for _, name := range []string{"profile", "invitations", "memberships", "enrollments", "activity", "messages", "deliveries", "suppression"} {
		items, _ := sections[name].([]any)
		csvFile := string(files[name+".csv"])
		if len(items) == 0 || strings.Count(strings.TrimSpace(csvFile), "\n") < 1 {
			t.Errorf("section %s: %d items, CSV %q", name, len(items), csvFile)
		}
	}
	// The audit section: the records naming them (their invitation, their
	// own joining and enrolling, the message picked for them), others'
	// addresses withheld.
	auditSection, _ := sections["audit"].([]any)
	var sectionActions []string
	for _, r := range auditSection {
		sectionActions = append(sectionActions, r.(map[string]any)["action"].(string))
	}
	for _, want := range []string{"invitation.create", "member.join", "enrollment.create", "message.create", "member_export.start"} {
		if !slices.Contains(sectionActions, want) || !strings.Contains(string(files["audit.csv"]), want) {
			t.Errorf("the audit section lacks %s: %v", want, sectionActions)
		}
	}
	if !strings.Contains(string(files["profile.csv"]), erasedExtID) || strings.Contains(string(files["person.json"]), "ann@acme.edu") {
		t.Errorf("profile is not the person's alone: %s", files["person.json"])
	}

	// Who may export: the learner themself, not others; not another org's admin.
	mine := jo.do("POST", orgPath+"/people/"+person+"/data-export", nil).must(t, 202)
	if r := waitJob(t, jo, mine.header.Get("Location")); r.str("status") != "ready" {
		t.Fatalf("self export %s", r.raw)
	}
	jo.do("POST", orgPath+"/people/"+url.PathEscape("ann@acme.edu")+"/data-export", nil).must(t, 403)
	jo.do("GET", exPath, nil).must(t, 404)
	s.as("op@platform.example.com", "platform-operators").do("POST", "/v1/orgs",
		map[string]any{"name": "Other", "admins": []any{map[string]any{"email": "eve@other.example"}}}).must(t, 201)
	eve := s.as("eve@other.example")
	eve.do("POST", orgPath+"/people/"+person+"/data-export", nil).must(t, 403)
	eve.do("GET", exPath, nil).must(t, 404)
	eve.do("POST", orgPath+"/people/"+person+"/erasure", nil).must(t, 403)
	jo.do("POST", orgPath+"/people/"+person+"/erasure", nil).must(t, 403)
	dean.do("POST", orgPath+"/people/"+url.PathEscape("dean@acme.edu")+"/erasure", nil).must(t, 409)

	// The erasure. Before it, the check below finds them in both stores.
	before := strings.Join(s.traces(t), "\n")
	for _, want := range []string{"item ", "object reports/", "object imports/", "object import-results/"} {
		if !strings.Contains(before, want) {
			t.Fatalf("before the erasure, no %q trace of them:\n%s", want, before)
		}
	}
	orgBefore := dean.do("GET", orgPath, nil).must(t, 200).get("summary")
	progBefore := dean.do("GET", progPath, nil).must(t, 200).get("summary")
	er := dean.do("POST", orgPath+"/people/"+person+"/erasure", nil).must(t, 202)
	erPath := er.header.Get("Location")
	if erPath != orgPath+"/erasures/"+er.str("id") || strings.Contains(er.raw, erasedEmail) {
		t.Fatalf("erasure: %s, Location %q", er.raw, erPath)
	}
	erDone := waitJob(t, dean, erPath)
	if erDone.str("status") != "done" || erDone.num("counts", "learners") != 1 || erDone.num("counts", "enrollments") != 1 ||
		erDone.num("counts", "deliveries") != 1 || erDone.num("counts", "messages") != 1 || erDone.num("counts", "filesRewritten") < 2 || erDone.num("counts", "personalExports") != 2 {
		t.Fatalf("erasure %s", erDone.raw)
	}
	eve.do("GET", erPath, nil).must(t, 403)
	if left := s.traces(t); len(left) > 0 {
		t.Fatalf("the erasure left %d traces:\n%s", len(left), strings.Join(left, "\n"))
	}
	s.checkErasedAudit(t, dean, orgPath, erDone)
	orgAfter := dean.do("GET", orgPath, nil).must(t, 200).get("summary")
	progAfter := dean.do("GET", progPath, nil).must(t, 200).get("summary")
	if fmt.Sprint(orgAfter) != fmt.Sprint(orgBefore) || fmt.Sprint(progAfter) != fmt.Sprint(progBefore) {
		t.Errorf("summaries moved:\norg %v\n -> %v\nprogram %v\n -> %v", orgBefore, orgAfter, progBefore, progAfter)
	}
	members := dean.do("GET", progPath+"/members?status=joined", nil).must(t, 200).get("items").([]any)
	if len(members) != 2 {
		t.Errorf("members after the erasure: %v (want ann and an anonymous member)", members)
	}
	jo.do("GET", exPath, nil).must(t, 404) // their exports are gone
	dean.do("GET", exPath, nil).must(t, 404)

	// Again: nothing left to change.
	again := waitJob(t, dean, dean.do("POST", orgPath+"/people/"+person+"/erasure", nil).must(t, 202).header.Get("Location"))
	total := 0
	for _, v := range again.get("counts").(map[string]any) {
		total += int(v.(float64))
	}
	if again.str("status") != "done" || total != 0 || again.str("anonymousId") != erDone.str("anonymousId") {
		t.Fatalf("second erasure %s (first %s)", again.raw, erDone.raw)
	}

	// An import skips them; an invitation by hand brings them back.
	imp2 := dean.do("POST", progPath+"/invitation-imports", map[string]any{"contractId": contract, "sendEmails": false,
		"csv": "Full Name,Email,External ID\nSomeone,JO.ERASABLE@acme.edu,\nOther,other@acme.edu,\n"}).must(t, 202)
	r := waitImport(t, dean, progPath+"/invitation-imports/"+imp2.str("id"))
	if r.num("progress", "outcomes", "erased") != 1 || r.num("progress", "outcomes", "invited") != 1 {
		t.Fatalf("import after the erasure: %s", r.raw)
	}
	sent := s.countSentTo(erasedEmail)
	dean.do("POST", progPath+"/invitations", map[string]any{"fullName": erasedName, "email": erasedEmail, "contractId": contract}).must(t, 201)
	for deadline := time.Now().Add(progressBound); s.countSentTo(erasedEmail) == sent; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no invitation email after inviting them again")
		}
	}
	if r := dean.do("GET", progPath+"/invitations?search=jo.erasable", nil).must(t, 200); len(r.get("items").([]any)) != 1 {
		t.Errorf("invitations after inviting again: %s", r.raw)
	}
}

// checkErasedAudit: after the erasure, the audit records that named the
// person name the anonymous address instead (their own changes without
// their source address), the requests are recorded by digest, and the
// erasure's outcome is recorded in the asking admin's name with counts
// only.
func (s *system) checkErasedAudit(t *testing.T, dean caller, orgPath string, erasure reply) {
	t.Helper()
	anon := erasure.str("anonymousId") + "@erased.invalid"
	if erasure.num("counts", "auditRecords") < 6 {
		t.Errorf("the erasure rewrote %v audit records, want at least 6 (invitation, joining, enrolling, message, member export, own export)",
			erasure.num("counts", "auditRecords"))
	}
	recs, _ := auditLog(t, dean, orgPath, "", 100)
	if got := find(recs, "invitation.create", anon); len(got) != 1 || got[0].Actor.Email != "dean@acme.edu" {
		t.Errorf("the invitation's record, anonymised: %+v", got)
	} else if _, name, _ := got[0].change("fullName"); name != "" {
		t.Errorf("the invitation's record keeps the name %q", name)
	}
	if got := find(recs, "member.join", anon); len(got) != 1 || got[0].Actor.Email != anon || got[0].Actor.Role != "learner" ||
		got[0].SourceIP != "" || got[0].Actor.Subject != "" {
		t.Errorf("their joining, anonymised: %+v", got)
	}
	byAnon, _ := auditLog(t, dean, orgPath, "actor="+url.QueryEscape(anon), 100)
	if acts := actions(byAnon); !slices.Contains(acts, "member.join") || !slices.Contains(acts, "enrollment.create") || !slices.Contains(acts, "person.export") {
		t.Errorf("the anonymous actor's records: %v", acts)
	}
	for _, action := range []string{"person.export", "person.erase", "person.erase.finished"} {
		got := find(recs, action, "")
		if len(got) == 0 {
			t.Errorf("no %s record", action)
		}
		for _, r := range got {
			if r.Target.Type != "person" || strings.Contains(r.Target.ID, "@") {
				t.Errorf("%s names its person as %+v", action, r.Target)
			}
		}
	}
	erased := find(recs, "person.erase", "")
	finished := find(recs, "person.erase.finished", "")
	if len(erased) != 1 || erased[0].Actor.Email != "dean@acme.edu" || erased[0].Actor.Role != "org_admin" || erased[0].RequestID == "" {
		t.Errorf("the erasure's request %+v", erased)
	}
	if len(finished) != 1 || finished[0].Actor.Email != "dean@acme.edu" || finished[0].Target != erased[0].Target {
		t.Fatalf("the erasure's outcome %+v (request %+v)", finished, erased)
	}
	if _, id, _ := finished[0].change("anonymousId"); id != erasure.str("anonymousId") {
		t.Errorf("the outcome's anonymous id %q, want %q", id, erasure.str("anonymousId"))
	}
	if _, n, _ := finished[0].change("auditRecords"); n != strconv.Itoa(erasure.num("counts", "auditRecords")) {
		t.Errorf("the outcome's audit count %q, the job's %v", n, erasure.num("counts", "auditRecords"))
	}
	raw, _ := json.Marshal(finished[0])
	if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(erasedEmail)) {
		t.Errorf("the outcome names the person: %s", raw)
	}
}
