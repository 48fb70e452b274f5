package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/domain/reports"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadReports(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "MAIL_QUEUE_URL", "REPORT_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

type dropMail struct{}

func (dropMail) Publish(context.Context, []mail.Message) error { return nil }

// fixture is the world of the tests: a program with a catalogue, two
// members (jo with progress in two courses, ann with none) and a program
// admin of another program.
func fixture(t *testing.T) (*wiretest.World, wire.Reports, wire.Triggers) {
	t.Helper()
	w := wiretest.NewWorld(t, 5)
	ctx := t.Context()
	items := []bo.CatalogItem{
		{ID: "sql", Type: bo.ItemCourse, Name: "SQL for Analysts", Slug: "sql-for-analysts", University: "Demo University"},
		{ID: "py", Type: bo.ItemCourse, Name: "Python", Slug: "python"},
		{ID: "spec", Type: bo.ItemSpecialization, Name: "Data Analyst", Slug: "data-analyst", CourseIDs: []string{"sql", "py"}},
	}
	if _, err := w.Admin.CreateCollection(ctx, w.Boss, w.Org.ID, w.Program.ID, admin.NewCollection{Name: "Foundations", Items: items}); err != nil {
		t.Fatal(err)
	}
	other, err := w.Admin.CreateProgram(ctx, w.Boss, w.Org.ID, admin.NewProgram{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Admin.AddAdmin(ctx, w.Boss, w.Org.ID, admin.NewAdmin{Email: "pa@acme.edu", Role: bo.RoleProgramAdmin, ProgramIDs: []string{other.ID}}); err != nil {
		t.Fatal(err)
	}
	jo := wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	svc := enroll.NewService(w.Store, dropMail{}, w.Conf.LearnerAppURL)
	for _, id := range []string{"sql", "py", "spec"} {
		if _, err := svc.Enroll(ctx, jo, w.Program.Slug, enroll.NewEnrollment{ItemID: id}); err != nil {
			t.Fatal(err)
		}
	}
	prev, err := w.Store.GetEnrollment(ctx, w.Program.ID, "jo@acme.edu", "sql")
	if err != nil {
		t.Fatal(err)
	}
	next, grade, done := prev, 91.5, time.Now().UTC().Truncate(time.Millisecond)
	next.Progress, next.LearningMinutes, next.Grade, next.CompletedAt, next.LastActivityAt = 100, 150, &grade, &done, &done
	if err := w.Store.SaveProgress(ctx, prev, next, done); err != nil {
		t.Fatal(err)
	}
	reportURL, _ := emulatortest.NewQueue(t, w.AWS, resources.ReportQueue)
	c := wire.Reports{Base: w.Conf.Base, MailQueueURL: w.Conf.MailQueueURL, ReportQueueURL: reportURL, FilesBucket: w.Conf.FilesBucket}
	return w, c, wire.ReportsTriggers(w.AWS, c, slog.New(slog.DiscardHandler))
}

// handle passes a sample event of events/reports/<dir> to the function's
// handler, as Lambda does, after the world's and extra replacements.
func handle(t *testing.T, w *wiretest.World, tr wire.Triggers, dir, file string, extra map[string]string) any {
	t.Helper()
	var raw json.RawMessage
	w.Event(t, "reports/"+dir, file, &raw, extra)
	out, err := tr.Handle(t.Context(), raw)
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, file, err)
	}
	return out
}

// received takes every message waiting on the queue.
func received(t *testing.T, w *wiretest.World, queueURL string) []string {
	t.Helper()
	client := sqs.NewFromConfig(w.AWS)
	var bodies []string
	for {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// download fetches a link and returns the files of its zip.
func download(t *testing.T, url string) map[string][][]string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("download: %d %s", res.StatusCode, body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][][]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		raw, _ := io.ReadAll(rc)
		rc.Close()
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF")))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		files[f.Name] = rows
	}
	return files
}

// TestSampleEvents builds a report from its queue message, replays the API
// samples through the function's handler, downloads the report and reads
// the email it queued.
func TestSampleEvents(t *testing.T) {
	w, c, tr := fixture(t)
	ctx := t.Context()
	svc := wire.ReportsService(w.AWS, c, slog.New(slog.DiscardHandler))
	j, err := svc.Request(ctx, w.Boss, w.Org.ID, reports.NewReport{})
	if err != nil {
		t.Fatal(err)
	}
	if got := received(t, w, c.ReportQueueURL); len(got) != 1 || !strings.Contains(got[0], j.ID) {
		t.Fatalf("build messages %q, want one for %s", got, j.ID)
	}
	res := handle(t, w, tr, "queue", "build.json", map[string]string{"rpt_x": j.ID}).(events.SQSEventResponse)
	if len(res.BatchItemFailures) != 0 {
		t.Fatalf("build failed: %+v", res)
	}

	api := func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		raw, _ := json.Marshal(req)
		out, err := tr.Handle(ctx, raw)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return out.(events.APIGatewayV2HTTPResponse), nil
	}
	programAdmin := map[string]string{"dean@acme.edu": "pa@acme.edu", "u-dean": "u-pa"}
	w.Replay(t, "reports", api, []wiretest.Case{
		{File: "get-report.json", Replace: map[string]string{"rpt_x": j.ID}, Status: 200, Want: []string{`"status":"done"`,
			`"downloadUrl":"http`, `"totalEnrollments":2`, `"uniqueLearners":1`, `"currentMembers":2`, `"courseCompletions":1`,
			`"estimatedHours":2.5`, `"joinedNotEnrolled":1`, `"rows":5`, `"scope":"active"`}},
		{File: "get-report.json", Replace: map[string]string{"rpt_x": j.ID, "dean@acme.edu": "pa@acme.edu"}, Status: 404},
		{File: "list-reports.json", Status: 200, Want: []string{`"id":"` + j.ID + `"`, `"downloadUrl":"http`}},
		{File: "request-active.json", Status: 202, Want: []string{`"status":"queued"`, `"type":"usage"`, `"scope":"active"`, `"id":"rpt_`}},
		{File: "request-all-time.json", Status: 202, Want: []string{`"scope":"all_time"`, `"programIds":["` + w.Program.ID + `"]`}},
		// A program admin asking for another program.
		{File: "request-all-time.json", Replace: programAdmin, Status: 403, Want: []string{`"code":"forbidden"`}},
		{File: "request-gradebook.json", Status: 202, Want: []string{`"type":"gradebook"`, `"courseId":"sql"`}},
		{File: "request-gradebook.json", Replace: map[string]string{`\"courseId\": \"sql\"`: `\"courseId\": \"spec\"`}, Status: 400,
			Want: []string{`"field":"courseId"`}},
		{File: "get-schedule.json", Status: 200, Want: []string{`"programIds":[]`, `"days":[]`}},
		{File: "put-schedule.json", Status: 200, Want: []string{`"days":["monday","thursday"]`, `"programIds":["` + w.Program.ID + `"]`}},
		{File: "get-schedule.json", Status: 200, Want: []string{`"days":["monday","thursday"]`, `"updatedBy":"dean@acme.edu"`}},
		{File: "put-schedule.json", Replace: programAdmin, Status: 403},
	})

	got, err := svc.Get(ctx, w.Boss, w.Org.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	files := download(t, got.DownloadURL)
	for name, header := range map[string][]string{reports.MemberFile: reports.MemberColumns, reports.UsageFile: reports.UsageColumns,
		reports.SpecializationFile: reports.SpecializationColumns} {
		if rows := files[name]; len(rows) == 0 || !slices.Equal(rows[0], header) {
			t.Errorf("%s header: %q", name, rows)
		}
	}
	if rows := files[reports.UsageFile]; len(rows) != 3 || rows[1][3] != "Python" || rows[2][3] != "SQL for Analysts" ||
		rows[2][10] != "100" || rows[2][11] != "2.5" || rows[2][12] != "Yes" || rows[2][16] != "Foundations" || rows[2][18] != "91.5" ||
		rows[2][19] != "Seats" {
		t.Errorf("usage rows %q", rows)
	}
	if rows := files[reports.MemberFile]; len(rows) != 3 || rows[1][1] != "ann@acme.edu" || rows[2][1] != "jo@acme.edu" ||
		rows[2][5] != "2" || rows[2][6] != "1" || rows[2][7] != "MEMBER" {
		t.Errorf("member rows %q", rows)
	}
	if rows := files[reports.SpecializationFile]; len(rows) != 2 || rows[1][3] != "Data Analyst" || rows[1][8] != "No" {
		t.Errorf("specialization rows %q", rows)
	}

	mails := received(t, w, w.Conf.MailQueueURL)
	var ready []mail.Message
	for _, b := range mails {
		var m mail.Message
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Fatal(err)
		}
		if m.Template == mail.TemplateReportReady {
			ready = append(ready, m)
		}
	}
	if len(ready) != 1 || ready[0].To != "dean@acme.edu" || ready[0].ID != "report-ready/"+w.Org.ID+"/"+j.ID+"/dean@acme.edu" ||
		ready[0].Data["TotalEnrollments"] != "2" || !strings.HasPrefix(ready[0].Data["DownloadURL"], "http") {
		t.Fatalf("report emails %+v", ready)
	}
	if _, err := mail.Render(ready[0]); err != nil {
		t.Fatalf("the email does not render: %v", err)
	}
}

// TestSampleSchedule runs the daily schedule sample twice for its day (a
// Monday): one weekly report for the org admin, queued on the first run
// and queued again, under the same id, on the second; none for the
// program admin, whose program is not scheduled.
func TestSampleSchedule(t *testing.T) {
	w, c, tr := fixture(t)
	ctx := t.Context()
	svc := wire.ReportsService(w.AWS, c, slog.New(slog.DiscardHandler))
	if _, err := svc.PutSchedule(ctx, w.Boss, w.Org.ID, reports.ScheduleChange{ProgramIDs: []string{w.Program.ID}, Days: []string{"monday"}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		if out := handle(t, w, tr, "schedule", "daily.json", nil); out != nil {
			t.Fatalf("a schedule answers nothing, got %v", out)
		}
		for _, b := range received(t, w, c.ReportQueueURL) {
			var m reports.BuildMessage
			if err := json.Unmarshal([]byte(b), &m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ReportID)
		}
	}
	if len(ids) != 2 || ids[0] != ids[1] || !strings.HasPrefix(ids[0], "rpt_20260302_") {
		t.Fatalf("builds queued: %v, want the same weekly report twice", ids)
	}
	j, err := svc.Get(ctx, w.Boss, w.Org.ID, ids[0])
	if err != nil || j.ScheduledFor != "2026-03-02" || !slices.Equal(j.ProgramIDs, []string{w.Program.ID}) {
		t.Fatalf("weekly report %+v, %v", j, err)
	}
	// Built, it is not queued again that day.
	handle(t, w, tr, "queue", "build.json", map[string]string{"rpt_x": ids[0]})
	handle(t, w, tr, "schedule", "daily.json", nil)
	if got := received(t, w, c.ReportQueueURL); len(got) != 0 {
		t.Fatalf("a third run queued %q", got)
	}
	var to []string
	for _, b := range received(t, w, w.Conf.MailQueueURL) {
		var m mail.Message
		_ = json.Unmarshal([]byte(b), &m)
		if m.Template == mail.TemplateReportReady {
			to = append(to, m.To)
			if m.Data["Weekly"] != "yes" {
				t.Errorf("weekly email data %v", m.Data)
			}
		}
	}
	if !slices.Equal(to, []string{"dean@acme.edu"}) {
		t.Fatalf("weekly report emailed to %v, want dean@acme.edu", to)
	}
}
