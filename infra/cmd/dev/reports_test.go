package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/infra/local"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/sestest"
)

// downloadLink finds the report link of an email's HTML body.
var downloadLink = regexp.MustCompile(`href="(http[^"]+/reports/[^"]+)"`)

// reportEmail waits for the report email to the address whose link names
// the report, and returns its subject and link.
func (s *system) reportEmail(to, reportID string) (string, string) {
	s.t.Helper()
	for deadline := time.Now().Add(progressBound); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		for _, m := range sestest.SentFrom(s.t, s.endpoint, s.sender) {
			if len(m.To) != 1 || !strings.EqualFold(m.To[0], to) {
				continue
			}
			if match := downloadLink.FindStringSubmatch(m.Body); match != nil && strings.Contains(match[1], reportID) {
				return m.Subject, html.UnescapeString(match[1])
			}
		}
	}
	s.t.Fatalf("no email to %s with the link of report %s arrived", to, reportID)
	return "", ""
}

// zipFiles downloads a zip link and returns its files' bytes by name.
func zipFiles(t *testing.T, link string) map[string][]byte {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("download %s: %d %s", link, res.StatusCode, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

// unzip downloads a report link and returns its files' rows, checking
// that each starts with the UTF-8 byte-order mark.
func unzip(t *testing.T, link string) map[string][][]string {
	t.Helper()
	files := map[string][][]string{}
	for name, raw := range zipFiles(t, link) {
		text, ok := bytes.CutPrefix(raw, []byte("\xEF\xBB\xBF"))
		if !ok {
			t.Errorf("%s has no byte-order mark", name)
		}
		rows, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files[name] = rows
	}
	return files
}

// column returns the values of a named column of a CSV's rows.
func column(rows [][]string, name string) []string {
	if len(rows) == 0 {
		return nil
	}
	i := slices.Index(rows[0], name)
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// rowOf returns the row of a CSV whose column has the value, as a map.
func rowOf(t *testing.T, rows [][]string, name, value string) map[string]string {
	t.Helper()
	i := slices.Index(rows[0], name)
	for _, r := range rows[1:] {
		if r[i] == value {
			m := map[string]string{}
			for j, h := range rows[0] {
				m[h] = r[j]
			}
			return m
		}
	}
	t.Fatalf("no row with %s %q in %q", name, value, rows)
	return nil
}

// drained waits until the queues hold no message, visible or in flight.
func (s *system) drained(queues ...string) {
	s.t.Helper()
	client := sqs.NewFromConfig(emulatortest.Config(s.t))
	for deadline := time.Now().Add(progressBound); ; time.Sleep(300 * time.Millisecond) {
		busy := 0
		for _, q := range queues {
			u, err := client.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(s.names.Queues[q].Name)})
			if err != nil {
				s.t.Fatal(err)
			}
			a, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
					sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				s.t.Fatal(err)
			}
			for _, v := range a.Attributes {
				if v != "0" {
					busy++
				}
			}
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("queues %v not drained within %s", queues, progressBound)
		}
	}
}

// TestReportsBlackBox is the "done when" of the reports capability, over
// HTTP on the local system: each scope as an org admin and as a program
// admin, the zip downloaded from the emailed link with every header and a
// sample of values, formulas neutralised; a weekly schedule run twice for
// its day, one email per admin.
func TestReportsBlackBox(t *testing.T) {
	s := startSystem(t)
	dean, orgPath, now := s.acme(t)
	seats := s.contract(t, dean, orgPath, "Seats 2026", 10)
	// A contract that ends once its member has joined and enrolled (see
	// endContract): that member is in the all-time report only.
	pilot := s.contract(t, dean, orgPath, "Pilot", 5)

	analytics := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Analytics " + s.sender[:8]}).must(t, 201)
	design := dean.do("POST", orgPath+"/programs", map[string]any{"name": "Design " + s.sender[:8]}).must(t, 201)
	aPath, dPath := orgPath+"/programs/"+analytics.str("id"), orgPath+"/programs/"+design.str("id")
	dean.do("POST", aPath+"/collections", map[string]any{"name": "Foundations", "items": []any{
		map[string]any{"id": "sql", "type": "course", "name": "SQL for Analysts", "slug": "sql-for-analysts", "university": "Demo University"},
		map[string]any{"id": "py", "type": "course", "name": "Python", "slug": "python"},
		map[string]any{"id": "analyst", "type": "specialization", "name": "Data Analyst", "slug": "data-analyst", "courseIds": []any{"sql", "py"}},
	}}).must(t, 201)
	dean.do("POST", dPath+"/collections", map[string]any{"name": "Studio", "items": []any{
		map[string]any{"id": "type", "type": "course", "name": "Typography"}}}).must(t, 201)
	dean.do("POST", orgPath+"/admins", map[string]any{"email": "pam@acme.edu", "role": "program_admin",
		"programIds": []any{analytics.str("id")}}).must(t, 201)
	pam := s.as("pam@acme.edu")

	// Jo, invited under a name a spreadsheet would run, enrolls and completes SQL.
	dean.do("POST", aPath+"/invitations", map[string]any{"fullName": `=HYPERLINK("http://evil.example","Jo")`, "email": "jo@acme.edu",
		"externalId": "+44 20 7946", "contractId": seats}).must(t, 201)
	s.as("jo@acme.edu").do("POST", "/v1/invitations/"+s.tokenFor("jo@acme.edu")+"/accept", nil).must(t, 200)
	dean.do("POST", aPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": seats}).must(t, 201)
	dean.do("POST", aPath+"/domains", map[string]any{"domain": "pilot.example", "contractId": pilot}).must(t, 201)
	dean.do("POST", dPath+"/domains", map[string]any{"domain": "acme.edu", "contractId": seats}).must(t, 201)
	s.as("ann@acme.edu").do("POST", "/v1/programs/"+analytics.str("slug")+"/join", nil).must(t, 200)
	s.as("old@pilot.example").do("POST", "/v1/programs/"+analytics.str("slug")+"/join", nil).must(t, 200)
	s.as("zed@acme.edu").do("POST", "/v1/programs/"+design.str("slug")+"/join", nil).must(t, 200)
	for who, items := range map[string][]string{"jo@acme.edu": {"sql", "analyst"}, "old@pilot.example": {"py"}} {
		for _, id := range items {
			s.as(who).do("POST", "/v1/programs/"+analytics.str("slug")+"/enrollments", map[string]any{"itemId": id}).must(t, 201)
		}
	}
	s.as("zed@acme.edu").do("POST", "/v1/programs/"+design.str("slug")+"/enrollments", map[string]any{"itemId": "type"}).must(t, 201)
	activity := wire.Activity(emulatortest.Config(t), wire.ActivityConfig{Base: wire.Base{Table: s.names.Table}}, slog.New(slog.DiscardHandler))
	completed := now.Add(-time.Minute).Truncate(time.Millisecond)
	detail, _ := json.Marshal(map[string]any{"programSlug": analytics.str("slug"), "email": "jo@acme.edu", "itemId": "sql",
		"occurredAt": completed, "progress": 100, "learningMinutes": 135, "grade": 88.25, "completedAt": completed})
	if err := activity(context.Background(), events.EventBridgeEvent{DetailType: "Learning Activity", Source: "learning.platform", Detail: detail}); err != nil {
		t.Fatal(err)
	}
	s.endContract(t, pilot)

	profile := reports.ProfileColumns
	request := func(c caller, email string, body map[string]any) map[string][][]string {
		t.Helper()
		j := c.do("POST", orgPath+"/reports", body).must(t, 202)
		_, link := s.reportEmail(email, j.str("id"))
		files := unzip(t, link)
		for name, header := range map[string][]string{reports.MemberFile: reports.MemberColumns, reports.UsageFile: reports.UsageColumns,
			reports.SpecializationFile: reports.SpecializationColumns} {
			if len(files[name]) == 0 || !slices.Equal(files[name][0], header) || !slices.Equal(header[len(header)-len(profile):], profile) {
				t.Fatalf("%s header %q", name, files[name])
			}
		}
		got := c.do("GET", orgPath+"/reports/"+j.str("id"), nil).must(t, 200)
		if got.str("status") != "done" || got.str("downloadUrl") == "" || got.get("summary") == nil {
			t.Fatalf("report %s", got.raw)
		}
		return files
	}
	jo := `'=HYPERLINK("http://evil.example","Jo")`

	// As the org admin: every program; active contracts only, then all time.
	active := request(dean, "dean@acme.edu", map[string]any{})
	if got := column(active[reports.MemberFile], "Email"); !slices.Equal(got, []string{"ann@acme.edu", "jo@acme.edu", "zed@acme.edu"}) {
		t.Errorf("active members %v", got)
	}
	sql := rowOf(t, active[reports.UsageFile], "Course ID", "sql")
	for col, want := range map[string]string{"Name": jo, "Email": "jo@acme.edu", "External Id": "'+44 20 7946", "Course": "SQL for Analysts",
		"Course Slug": "sql-for-analysts", "University": "Demo University", "Overall Progress": "100", "Estimated Learning Hours": "2.25",
		"Completed": "Yes", "Removed From Program": "No", "Program Slug": analytics.str("slug"), "Program Name": analytics.str("name"),
		"Enrollment Source": "Foundations", "Completion Time": completed.Format(reports.TimeLayout), "Course Grades": "88.25",
		"Contract": "Seats 2026", "Manager Name": ""} {
		if sql[col] != want {
			t.Errorf("usage %s = %q, want %q", col, sql[col], want)
		}
	}
	if r := rowOf(t, active[reports.MemberFile], "Email", "jo@acme.edu"); r["# Enrolled Courses"] != "1" || r["# Completed Courses"] != "1" ||
		r["Member State"] != "MEMBER" || r["Name"] != jo || r["Contract(s)"] != "Seats 2026" || !strings.HasSuffix(r["Join Date"], "Z") {
		t.Errorf("member row %v", r)
	}
	if r := rowOf(t, active[reports.SpecializationFile], "Specialization Slug", "data-analyst"); r["Email"] != "jo@acme.edu" || r["Completed"] != "No" {
		t.Errorf("specialisation row %v", r)
	}
	all := request(dean, "dean@acme.edu", map[string]any{"scope": "all_time"})
	if got := column(all[reports.MemberFile], "Email"); !slices.Equal(got, []string{"ann@acme.edu", "jo@acme.edu", "old@pilot.example", "zed@acme.edu"}) {
		t.Errorf("all-time members %v", got)
	}
	if r := rowOf(t, all[reports.UsageFile], "Email", "old@pilot.example"); r["Course"] != "Python" || r["Contract"] != "Pilot" {
		t.Errorf("expired contract's usage row %v", r)
	}

	// As a program admin: their program only, in both scopes; another's is a 403.
	pamActive := request(pam, "pam@acme.edu", map[string]any{})
	if got := column(pamActive[reports.MemberFile], "Program Name"); !slices.Equal(got, []string{analytics.str("name"), analytics.str("name")}) {
		t.Errorf("program admin's active members' programs %v", got)
	}
	pamAll := request(pam, "pam@acme.edu", map[string]any{"scope": "all_time"})
	if got := column(pamAll[reports.MemberFile], "Email"); !slices.Equal(got, []string{"ann@acme.edu", "jo@acme.edu", "old@pilot.example"}) {
		t.Errorf("program admin's all-time members %v", got)
	}
	pam.do("POST", orgPath+"/reports", map[string]any{"programIds": []any{design.str("id")}}).must(t, 403)
	pam.do("GET", orgPath+"/report-schedule", nil).must(t, 403)

	// A gradebook of SQL, by the same path.
	gb := pam.do("POST", orgPath+"/reports", map[string]any{"type": "gradebook", "programId": analytics.str("id"), "courseId": "sql"}).must(t, 202)
	for deadline := time.Now().Add(progressBound); gb.str("status") != "done"; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gradebook not done: %s", gb.raw)
		}
		gb = pam.do("GET", orgPath+"/reports/"+gb.str("id"), nil).must(t, 200)
	}
	res, err := http.Get(gb.str("downloadUrl"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil || len(rows) != 2 || !slices.Equal(rows[0], reports.GradebookColumns) || rows[1][0] != jo || rows[1][6] != "88.25" || rows[1][7] != "Yes" {
		t.Fatalf("gradebook %q, %v", rows, err)
	}

	// A weekly schedule of both programs, run twice for its day: one email
	// to each admin; the program admin's holds only their program.
	day := now.Format(time.DateOnly)
	dean.do("PUT", orgPath+"/report-schedule", map[string]any{"programIds": []any{analytics.str("id"), design.str("id")},
		"days": []any{strings.ToLower(now.Weekday().String())}}).must(t, 200)
	dean.do("POST", local.ReportsDailyRunPath+"?date="+day, nil).must(t, 200)
	dean.do("POST", local.ReportsDailyRunPath+"?date="+day, nil).must(t, 200)
	weekly := map[string][][]string{}
	for _, who := range []string{"dean@acme.edu", "pam@acme.edu"} {
		for deadline := time.Now().Add(progressBound); weekly[who] == nil; time.Sleep(300 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no weekly report to %s", who)
			}
			for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
				if len(m.To) == 1 && m.To[0] == who && strings.Contains(m.Subject, "weekly") {
					weekly[who] = unzip(t, html.UnescapeString(downloadLink.FindStringSubmatch(m.Body)[1]))[reports.MemberFile]
				}
			}
		}
	}
	s.drained(resources.ReportQueue.Name, resources.MailQueue.Name)
	for who, want := range map[string]int{"dean@acme.edu": 1, "pam@acme.edu": 1} {
		n := 0
		for _, m := range sestest.SentFrom(t, s.endpoint, s.sender) {
			if len(m.To) == 1 && m.To[0] == who && strings.Contains(m.Subject, "weekly") {
				n++
			}
		}
		if n != want {
			t.Errorf("%d weekly emails to %s, want %d", n, who, want)
		}
	}
	if got := column(weekly["dean@acme.edu"], "Email"); !slices.Equal(got, []string{"ann@acme.edu", "jo@acme.edu", "zed@acme.edu"}) {
		t.Errorf("dean's weekly members %v", got)
	}
	if got := column(weekly["pam@acme.edu"], "Email"); !slices.Equal(got, []string{"ann@acme.edu", "jo@acme.edu"}) {
		t.Errorf("pam's weekly members %v", got)
	}
}

// endContract ends the contract now, as if its term had run out: it sets
// the stored contract's end to the present moment. (The API cannot shorten
// a contract, and a contract made to end a few real seconds after the test
// starts ends before the test is ready on a busy machine.) The contract's
// item is found by its id, so that the test does not build the store's keys.
func (s *system) endContract(t *testing.T, contractID string) {
	t.Helper()
	ctx := t.Context()
	client := dynamodb.NewFromConfig(emulatortest.Config(t))
	id, err := attributevalue.Marshal(contractID)
	if err != nil {
		t.Fatal(err)
	}
	found, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(s.names.Table), FilterExpression: aws.String("#id = :id AND attribute_exists(endsMs)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"}, ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":id": id}})
	if err != nil || len(found.Items) != 1 {
		t.Fatalf("contract %s: %d items, %v", contractID, len(found.Items), err)
	}
	end := time.Now().UTC()
	values, err := attributevalue.MarshalMap(map[string]any{":at": end, ":ms": end.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	item := found.Items[0]
	if _, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.names.Table),
		Key:              map[string]ddbtypes.AttributeValue{resources.AttrPK: item[resources.AttrPK], resources.AttrSK: item[resources.AttrSK]},
		UpdateExpression: aws.String("SET endsAt = :at, endsMs = :ms"), ExpressionAttributeValues: values}); err != nil {
		t.Fatal(err)
	}
}
