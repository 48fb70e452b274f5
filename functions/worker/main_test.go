package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/domain/privacy"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadWorker(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL", "WORK_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleDeletion replays events/worker/delete-program.json for a
// program with two members: the first delivery removes them (and queues the
// next item), the next deletes the program, a redelivery changes nothing.
func TestSampleDeletion(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	wiretest.Member(t, w, "jo@acme.edu")
	wiretest.Member(t, w, "ann@acme.edu")
	if err := w.Store.MarkProgramDeleting(ctx, w.Org.ID, w.Program.ID); err != nil {
		t.Fatal(err)
	}
	h := wire.Worker(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWorker), slog.New(slog.DiscardHandler))
	var ev events.SQSEvent
	w.Event(t, "worker", "delete-program.json", &ev, nil)
	for i := range 3 {
		res, err := h(ctx, ev)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %+v, %v", i, res, err)
		}
		if i == 0 {
			for _, e := range []string{"jo@acme.edu", "ann@acme.edu"} {
				if l, _ := w.Store.GetLearner(ctx, w.Program.ID, e); l.State != bo.StateDeletedMember || l.AllowReturn {
					t.Fatalf("after the first delivery %s is %+v", e, l)
				}
			}
		}
	}
	if _, err := w.Store.GetProgram(ctx, w.Org.ID, w.Program.ID); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("the program still exists: %v", err)
	}
	if c, _ := w.Store.GetContract(ctx, w.Org.ID, w.Contract.ID); c.Used != 0 {
		t.Fatalf("licences still used: %d", c.Used)
	}
}

// TestEverySampleIsReplayed keeps a new sample from going untested.
func TestEverySampleIsReplayed(t *testing.T) {
	replayed := []string{"delete-program.json", "member-export.json", "personal-data-export.json", "erasure.json", "invitation-resend.json"}
	for _, name := range wiretest.Samples(t, "worker") {
		if !slices.Contains(replayed, name) {
			t.Errorf("events/worker/%s is replayed by no test: add one", name)
		}
	}
}

// TestSampleMemberExport replays events/worker/member-export.json for an
// export of a program of 300 members: the CSV in the files bucket has the
// header, one row a member in email order and a neutralised formula; the
// export is done with its rows and size; a redelivery changes nothing.
func TestSampleMemberExport(t *testing.T) {
	w := wiretest.NewWorld(t, 400)
	ctx := context.Background()
	const n = 300
	for i := range n - 1 {
		wiretest.Member(t, w, fmt.Sprintf("m%03d@acme.edu", i))
	}
	wiretest.NamedMember(t, w, "zed@acme.edu", "=HYPERLINK(\"http://evil.example\")")
	now := time.Now().UTC()
	e := members.Export{ID: bo.NewID("exp", now), OrgID: w.Org.ID, ProgramID: w.Program.ID, Status: members.ExportQueued,
		Selection: members.Selection{Status: bo.MemberJoined, Sort: bo.MembersByEmail, Order: "asc", Columns: []string{"status", "currentEnrollments"}},
		CreatedBy: w.Boss.Subject, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(members.ExportLifetime)}
	if err := w.Store.CreateExport(ctx, e); err != nil {
		t.Fatal(err)
	}
	done := deliverTwice(t, w, "member-export.json", map[string]string{"exp_x": e.ID}, e.ID)
	if done.Status != members.ExportDone || done.Rows != n || done.Size == 0 || done.FinishedAt == nil ||
		!strings.HasPrefix(done.FileKey, resources.ExportsPrefix+w.Program.ID+"/"+e.ID+"/") {
		t.Fatalf("export after the worker: %+v", done)
	}
	body, size, err := files.New(s3.NewFromConfig(w.AWS, awsconfig.S3Options), w.Conf.FilesBucket).Open(ctx, done.FileKey)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	rows, err := csv.NewReader(body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if size != done.Size {
		t.Errorf("file of %d bytes, the export says %d", size, done.Size)
	}
	if got := strings.Join(rows[0], ","); got != "Learner,Email,Status,Current Enrollments" {
		t.Errorf("header %q", got)
	}
	if len(rows) != n+1 {
		t.Fatalf("%d rows, want the header and %d", len(rows), n)
	}
	if rows[1][1] != "m000@acme.edu" || rows[1][2] != "MEMBER" || rows[1][3] != "0" || rows[n-1][1] != "m298@acme.edu" {
		t.Errorf("rows out of email order: %q … %q", rows[1], rows[n-1])
	}
	if last := rows[n]; last[1] != "zed@acme.edu" || last[0] != "'=HYPERLINK(\"http://evil.example\")" {
		t.Errorf("the formula name is not neutralised: %q", last)
	}
}

// TestSamplePersonalData replays events/worker/personal-data-export.json
// and erasure.json for a member of the world's program: the export's zip
// is written and the job ready, the erasure moves the member to an
// anonymous address, and redeliveries change nothing.
func TestSamplePersonalData(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	wiretest.NamedMember(t, w, "jo@acme.edu", "Jo Sample")
	h := wire.Worker(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWorker), slog.New(slog.DiscardHandler))
	now := time.Now().UTC()
	subject := bo.PersonDigest(w.Org.ID, "jo@acme.edu")
	expires := now.Add(privacy.ExportLifetime)
	export := privacy.Job{ID: bo.NewID("pde", now), OrgID: w.Org.ID, Kind: privacy.KindExport, Status: privacy.StatusRequested,
		Progress: privacy.Progress{Steps: 1}, Counts: map[string]int{}, Subject: subject, RequestedBy: w.Boss.Subject,
		FileKey: resources.PersonalDataPrefix + w.Org.ID + "/sample.zip", CreatedAt: now, UpdatedAt: now, ExpiresAt: &expires}
	erasure := privacy.Job{ID: bo.NewID("era", now), OrgID: w.Org.ID, Kind: privacy.KindErasure, Status: privacy.StatusRequested,
		Progress: privacy.Progress{Steps: 5}, Counts: map[string]int{}, Subject: subject, RequestedBy: w.Boss.Subject, CreatedAt: now, UpdatedAt: now}
	bucket := files.New(s3.NewFromConfig(w.AWS, awsconfig.S3Options), w.Conf.FilesBucket)
	for _, j := range []privacy.Job{export, erasure} {
		if err := w.Store.CreatePrivacyJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		file string
		job  privacy.Job
		want privacy.Status
	}{{"personal-data-export.json", export, privacy.StatusReady}, {"erasure.json", erasure, privacy.StatusDone}} {
		var ev events.SQSEvent
		w.Event(t, "worker", c.file, &ev, map[string]string{"pde_x": export.ID, "era_x": erasure.ID})
		var first privacy.Job
		for i := range 2 {
			if res, err := h(ctx, ev); err != nil || len(res.BatchItemFailures) != 0 {
				t.Fatalf("%s delivery %d: %+v, %v", c.file, i, res, err)
			}
			got, err := w.Store.GetPrivacyJob(ctx, w.Org.ID, c.job.Kind, c.job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = got
			} else if !reflect.DeepEqual(got, first) {
				t.Fatalf("%s: the redelivery changed the job:\n%+v\nwas %+v", c.file, got, first)
			}
		}
		if first.Status != c.want {
			t.Fatalf("%s: job %+v", c.file, first)
		}
		// The zip is there until the erasure deletes the person's exports.
		_, err := bucket.Size(ctx, export.FileKey)
		if c.job.Kind == privacy.KindExport && err != nil || c.job.Kind == privacy.KindErasure && bo.ErrorCode(err) != bo.ENOTFOUND {
			t.Errorf("after %s, the export's zip: %v", c.file, err)
		}
	}
	if _, err := w.Store.GetLearner(ctx, w.Program.ID, "jo@acme.edu"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Errorf("the erased member is still there: %v", err)
	}
	done, _ := w.Store.GetPrivacyJob(ctx, w.Org.ID, privacy.KindErasure, erasure.ID)
	anon := bo.ErasedAddress(done.AnonymousID)
	if l, err := w.Store.GetLearner(ctx, w.Program.ID, anon.Key); err != nil || l.FullName != "" || l.State != bo.StateMember {
		t.Errorf("the anonymous member: %+v, %v", l, err)
	}
}

// TestSampleInvitationResend replays events/worker/invitation-resend.json
// for a resend of a program's pending invitations: the pending one is sent
// again, the member is not in the selection; a redelivery changes nothing.
func TestSampleInvitationResend(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	wiretest.Member(t, w, "jo@acme.edu")
	sent := time.Now().UTC().Add(-time.Hour)
	wiretest.Invitee(t, w, "cy@acme.edu", sent)
	now := time.Now().UTC()
	e := members.Export{ID: bo.NewID("rsd", now), OrgID: w.Org.ID, ProgramID: w.Program.ID, Status: members.ExportQueued, Kind: members.KindResend,
		Selection: members.Selection{Status: bo.MemberInvitedNever, Sort: bo.MembersByEmail, Order: "asc"},
		CreatedBy: w.Boss.Subject, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(members.ExportLifetime)}
	if err := w.Store.CreateExport(ctx, e); err != nil {
		t.Fatal(err)
	}
	done := deliverTwice(t, w, "invitation-resend.json", map[string]string{"rsd_x": e.ID}, e.ID)
	if done.Status != members.ExportDone || done.Rows != 1 || done.Counts["resent"] != 1 || done.Kind != members.KindResend {
		t.Fatalf("resend after the worker: %+v", done)
	}
	if l, _ := w.Store.GetLearner(ctx, w.Program.ID, "cy@acme.edu"); l.EmailQueuedAt == nil || !l.EmailQueuedAt.After(sent) {
		t.Fatalf("the invitation was not queued again: %+v", l)
	}
}

// deliverTwice delivers the sample work item twice to the worker and
// returns the job (an export or a resend) after the first delivery,
// failing when the second changed it.
func deliverTwice(t *testing.T, w *wiretest.World, sample string, replace map[string]string, jobID string) members.Export {
	t.Helper()
	ctx := context.Background()
	h := wire.Worker(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadWorker), slog.New(slog.DiscardHandler))
	var ev events.SQSEvent
	w.Event(t, "worker", sample, &ev, replace)
	var done members.Export
	for i := range 2 {
		res, err := h(ctx, ev)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %+v, %v", i, res, err)
		}
		got, err := w.Store.GetExport(ctx, w.Program.ID, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			done = got
		} else if !reflect.DeepEqual(got, done) {
			t.Fatalf("the redelivery changed the job:\n%+v\nwas %+v", got, done)
		}
	}
	return done
}
