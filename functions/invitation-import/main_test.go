package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/learnops/backoffice/shared/adapters/awsconfig"
	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/files"
	"github.com/learnops/backoffice/shared/adapters/queue"
	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/invite"
	"github.com/learnops/backoffice/shared/domain/mail"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestLoadConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadInvitationImport(env.NewFrom(env.Map(map[string]string{"TABLE_NAME": "t"})))
	for _, name := range []string{"LEARNER_APP_URL", "MAIL_QUEUE_URL", "FILES_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// rig is the function on fresh resources, with an org, a program and a
// contract of three licences, one learner already invited and one member.
type rig struct {
	t        *testing.T
	cfg      aws.Config
	conf     wire.InvitationImportConfig
	handler  func(context.Context, events.S3Event) error
	store    *dynamo.Store
	importer *invite.Importer
	bucket   *files.Store
	boss     bo.Caller
	org      bo.Org
	program  bo.Program
	contract bo.Contract
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	queueURL, _ := emulatortest.NewQueue(t, cfg, resources.MailQueue)
	r := &rig{t: t, cfg: cfg, boss: bo.Caller{Subject: "b", Email: "boss@acme.edu", EmailVerified: true}}
	r.conf = wire.InvitationImportConfig{Base: wire.Base{Table: emulatortest.NewTable(t, cfg)}, LearnerAppURL: "https://learn.example.com",
		MailQueueURL: queueURL, FilesBucket: emulatortest.NewBucket(t, cfg)}
	r.handler = wire.InvitationImport(cfg, r.conf, slog.New(slog.DiscardHandler))
	r.store = dynamo.NewStore(dynamodb.NewFromConfig(cfg), r.conf.Table)
	r.bucket = files.New(s3.NewFromConfig(cfg, awsconfig.S3Options), r.conf.FilesBucket)
	admins := admin.NewService(r.store, admin.Config{LearnerAppURL: r.conf.LearnerAppURL})
	svc := invite.NewService(r.store, admins, queue.NewPublisher(sqs.NewFromConfig(cfg), queueURL), invite.Config{LearnerAppURL: r.conf.LearnerAppURL})
	r.importer = invite.NewImporter(svc, r.store, r.bucket)

	var err error
	r.org, _, err = admins.CreateOrg(ctx, bo.Caller{Email: "op@p.io", EmailVerified: true, Groups: []string{bo.GroupPlatformOperators}},
		admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "boss@acme.edu"}}})
	if err != nil {
		t.Fatal(err)
	}
	three, start, end := 3, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	if r.contract, err = admins.CreateContract(ctx, r.boss, r.org.ID, admin.NewContract{Name: "Seats", Licences: &three, StartsAt: &start, EndsAt: &end}); err != nil {
		t.Fatal(err)
	}
	if r.program, err = admins.CreateProgram(ctx, r.boss, r.org.ID, admin.NewProgram{Name: "Data Skills"}); err != nil {
		t.Fatal(err)
	}
	no := false
	for _, e := range []string{"invited@acme.edu", "member@acme.edu"} {
		if _, err := svc.Invite(ctx, r.boss, r.org.ID, r.program.ID, invite.NewInvitation{FullName: "Pre", Email: e, ContractID: r.contract.ID, SendEmail: &no}); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := r.store.GetLearner(ctx, r.program.ID, "member@acme.edu")
	if _, err := r.store.Join(ctx, l, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// event is the sample S3 event of events/invitation-import, pointed at the object.
func (r *rig) event(key string) events.S3Event {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "invitation-import", "object-created.json"))
	if err != nil {
		r.t.Fatal(err)
	}
	var ev events.S3Event
	if err := json.Unmarshal(b, &ev); err != nil {
		r.t.Fatal(err)
	}
	ev.Records[0].S3.Bucket.Name = r.conf.FilesBucket
	ev.Records[0].S3.Object.Key = key
	return ev
}

// run creates an import with the CSV in the request and runs the function
// on the object it stored, as S3 would.
func (r *rig) run(csvText string, dryRun bool) invite.Job {
	r.t.Helper()
	ctx := context.Background()
	j, err := r.importer.Create(ctx, r.boss, r.org.ID, r.program.ID, invite.NewImport{ContractID: r.contract.ID, DryRun: dryRun, CSV: csvText})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.handler(ctx, r.event(j.FileKey())); err != nil {
		r.t.Fatalf("handler: %v", err)
	}
	done, err := r.importer.Get(ctx, r.boss, r.org.ID, r.program.ID, j.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return done
}

// resultFile reads the job's per-row result CSV.
func (r *rig) resultFile(j invite.Job) [][]string {
	r.t.Helper()
	f, _, err := r.bucket.Open(context.Background(), j.ResultKey())
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

func (r *rig) queued() int {
	r.t.Helper()
	out, err := sqs.NewFromConfig(r.cfg).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(r.conf.MailQueueURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	return n
}

func (r *rig) invitedCount() int {
	r.t.Helper()
	items, _, err := r.store.ListLearners(context.Background(), r.program.ID, bo.StateInvited, invite.ListQuery{Limit: 100})
	if err != nil {
		r.t.Fatal(err)
	}
	return len(items)
}

// messy is a CSV as spreadsheets and people make them: a byte-order mark,
// CRLF, headers in another order and case with stray spaces, a quoted name
// with a comma and a line break, blank lines, and one row of each outcome.
const messy = "\uFEFF Email ,FULL NAME,external id\r\n" +
	"ada@acme.edu,Ada Lovelace,E1\r\n" +
	"\r\n" +
	"grace@acme.edu,\"Hopper, Grace\nRear Admiral\",E2\r\n" +
	"ADA@ACME.EDU,Ada Again,E3\r\n" +
	"not-an-email,Nobody,E4\r\n" +
	"nameless@acme.edu,,E5\r\n" +
	"invited@acme.edu,Already Invited,\r\n" +
	"member@acme.edu,Already Member,\r\n" +
	"linus@acme.edu,Linus,\r\n" +
	"=cmd@acme.edu,Formula,\r\n" +
	",,\r\n"

var wantOutcomes = map[invite.Outcome]int{
	invite.OutcomeInvited: 4, invite.OutcomeDuplicate: 1, invite.OutcomeInvalidEmail: 1,
	invite.OutcomeMissingName: 1, invite.OutcomeAlreadyInvited: 1, invite.OutcomeAlreadyMember: 1,
}

func checkOutcomes(t *testing.T, j invite.Job, want map[invite.Outcome]int) {
	t.Helper()
	total := 0
	for o, n := range want {
		total += n
		if j.Counts.Outcomes[o] != n {
			t.Errorf("outcome %q: %d rows, want %d (all: %v)", o, j.Counts.Outcomes[o], n, j.Counts.Outcomes)
		}
	}
	if j.Counts.RowsDone != total || j.Counts.RowsRead != total {
		t.Errorf("rows read %d done %d, want %d", j.Counts.RowsRead, j.Counts.RowsDone, total)
	}
}

func TestDryRunThenImportThenAgain(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	dry := r.run(messy, true)
	if dry.Status != invite.JobDone {
		t.Fatalf("dry run ended %s: %s", dry.Status, dry.Error)
	}
	checkOutcomes(t, dry, wantOutcomes)
	if r.invitedCount() != 1 || r.queued() != 0 {
		t.Fatalf("the dry run wrote: %d invitations, %d emails queued", r.invitedCount(), r.queued())
	}
	// 1 invitation pending + 4 the import would add, 2 licences left.
	if len(dry.Warnings) != 1 || !strings.Contains(dry.Warnings[0], "2 licences left but 5 pending") {
		t.Fatalf("dry run warnings %v", dry.Warnings)
	}

	real := r.run(messy, false)
	if real.Status != invite.JobDone || real.ResultURL == "" {
		t.Fatalf("import ended %s (%s), result link %q", real.Status, real.Error, real.ResultURL)
	}
	checkOutcomes(t, real, wantOutcomes)
	if got := r.invitedCount(); got != 5 {
		t.Fatalf("%d pending invitations, want 5", got)
	}
	if got := r.queued(); got != 4 {
		t.Fatalf("%d emails queued, want 4", got)
	}
	grace, err := r.store.GetLearner(ctx, r.program.ID, "grace@acme.edu")
	if err != nil || grace.FullName != "Hopper, Grace Rear Admiral" || grace.ExternalID != "E2" || grace.EmailQueuedAt == nil {
		t.Fatalf("grace = %+v, %v", grace, err)
	}
	c, _ := r.store.GetContract(ctx, r.org.ID, r.contract.ID)
	p, _ := r.store.GetProgram(ctx, r.org.ID, r.program.ID)
	// Sent: the rig's two (one accepted since) and the import's four.
	if c.Pending != 5 || p.Counts.InvitationsPending != 5 || p.Counts.InvitationsSent != 6 {
		t.Fatalf("contract pending %d, program invitations pending %d sent %d; want 5, 5 and 6", c.Pending, p.Counts.InvitationsPending, p.Counts.InvitationsSent)
	}

	// The per-row result file: the input rows with their outcome and reason.
	rows := r.resultFile(real)
	if len(rows) != 10 || rows[0][3] != "Outcome" || rows[0][4] != "Reason" {
		t.Fatalf("result file %q", rows)
	}
	byEmail := map[string][]string{}
	for _, row := range rows[1:] {
		byEmail[row[0]] = row
	}
	if got := byEmail["ADA@ACME.EDU"]; got[3] != "duplicate" || got[4] != "duplicate of row 2" {
		t.Errorf("duplicate row %q", got)
	}
	// "=" is valid in an address, so the row is invited; the result file
	// shows the cell as text, never as a formula.
	if got := byEmail["'=cmd@acme.edu"]; got == nil || got[3] != "invited" {
		t.Errorf("the formula cell is not neutralised: %q", rows)
	}
	if got := byEmail["not-an-email"]; got[3] != "invalid_email" || got[4] == "" {
		t.Errorf("invalid email row %q", got)
	}
	res, err := http.Get(real.ResultURL)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("result link: %v %v", res, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "already_member") {
		t.Fatalf("result link served %q", body)
	}

	// The same event again is a no-op; the same file in a new import
	// invites no one twice and queues no email twice.
	if err := r.handler(ctx, r.event(real.FileKey())); err != nil {
		t.Fatal(err)
	}
	again := r.run(messy, false)
	checkOutcomes(t, again, map[invite.Outcome]int{
		invite.OutcomeAlreadyInvited: 5, invite.OutcomeDuplicate: 1, invite.OutcomeInvalidEmail: 1,
		invite.OutcomeMissingName: 1, invite.OutcomeAlreadyMember: 1,
	})
	if r.invitedCount() != 5 || r.queued() != 4 {
		t.Fatalf("after re-running: %d invitations, %d emails queued; want 5 and 4", r.invitedCount(), r.queued())
	}
}

func TestRefusedFiles(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name, csv, want string
	}{
		{"missing header", "Full Name,Email\nAda,ada@acme.edu\n", `missing header "External ID"`},
		{"malformed quotes", "Full Name,Email,External ID\n\"Ada,ada@acme.edu,1\n", "line"},
		{"no header", "\n\n", "no header"},
	}
	for _, tt := range tests {
		j := r.run(tt.csv, false)
		if j.Status != invite.JobFailed || !strings.Contains(j.Error, tt.want) {
			t.Errorf("%s: job %s: %q, want failed with %q", tt.name, j.Status, j.Error, tt.want)
		}
		if r.invitedCount() != 1 {
			t.Fatalf("%s: a refused file wrote invitations", tt.name)
		}
	}
}

// killingRows is the store of a run that dies: the commit of chunk failAt
// fails (nothing written) and the run stops there. It records the first row
// of each chunk it committed.
type killingRows struct {
	*dynamo.Store
	failAt int
	firsts []int
	rows   int
}

var _ invite.RowStore = (*killingRows)(nil)

func (k *killingRows) CommitChunk(ctx context.Context, c invite.ChunkCommit) error {
	cp := c.Job.Checkpoint
	chunk := cp.Chunks > c.Prev
	if chunk && cp.Chunks == k.failAt {
		return errors.New("killed before committing chunk " + strconv.Itoa(cp.Chunks))
	}
	err := k.Store.CommitChunk(ctx, c)
	if err == nil && chunk {
		k.firsts = append(k.firsts, cp.Rows-cp.LastRows+1)
		k.rows += cp.LastRows
	}
	return err
}

// outboxFunc is an Outbox of one function.
type outboxFunc func(ctx context.Context, msgs []mail.Message) error

func (f outboxFunc) Publish(ctx context.Context, msgs []mail.Message) error { return f(ctx, msgs) }

// TestKilledImportResumesFromItsCheckpoint kills an import twice: after a
// chunk was committed but before its emails were queued, and then before a
// chunk's commit. Each run after resumes at the row after the last
// committed chunk (it commits no earlier row), and the import ends with
// exact counts, every email queued once, and a complete result file.
func TestKilledImportResumesFromItsCheckpoint(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const learners = 240
	var file strings.Builder
	file.WriteString("Full Name,Email,External ID\n")
	var emails []string // of each data row, in order
	row := func(name, email string) {
		file.WriteString(name + "," + email + ",\n")
		emails = append(emails, email)
	}
	for i := 1; i <= learners; i++ {
		row("Learner "+strconv.Itoa(i), "learner."+strconv.Itoa(i)+"@acme.edu")
		if i == 200 {
			// Past the kills: finding it a duplicate takes the rows read
			// before the checkpoint.
			row("Again", "LEARNER.5@ACME.EDU")
		}
	}
	row("Pre", "invited@acme.edu")
	row("Pre", "member@acme.edu")
	row("Bad", "not-an-email")
	total := len(emails)

	var mu sync.Mutex
	queued := map[string]int{} // mail id -> times queued
	publishes, failPublish := 0, 2
	outbox := outboxFunc(func(_ context.Context, msgs []mail.Message) error {
		mu.Lock()
		defer mu.Unlock()
		publishes++
		if publishes == failPublish {
			return errors.New("killed before queueing")
		}
		for _, m := range msgs {
			queued[m.ID]++
		}
		return nil
	})
	admins := admin.NewService(r.store, admin.Config{LearnerAppURL: r.conf.LearnerAppURL})
	svc := invite.NewService(r.store, admins, outbox, invite.Config{LearnerAppURL: r.conf.LearnerAppURL})
	importer := invite.NewImporter(svc, r.store, r.bucket)
	yes := true
	j, err := importer.Create(ctx, r.boss, r.org.ID, r.program.ID, invite.NewImport{ContractID: r.contract.ID, SendEmails: &yes, CSV: file.String()})
	if err != nil {
		t.Fatal(err)
	}
	runWith := func(rows *killingRows) (invite.Job, error) {
		t.Helper()
		err := invite.NewRunner(svc, r.store, rows, r.bucket, slog.New(slog.DiscardHandler)).Run(ctx, r.program.ID, j.ID)
		got, gerr := r.store.GetImport(ctx, r.program.ID, j.ID)
		if gerr != nil {
			t.Fatal(gerr)
		}
		return got, err
	}

	// Run 1 commits chunks 1 and 2 and dies queueing chunk 2's emails.
	run1 := &killingRows{Store: r.store}
	after1, err := runWith(run1)
	if err == nil || after1.Status != invite.JobRunning || after1.Checkpoint.Chunks != 2 || len(run1.firsts) != 2 {
		t.Fatalf("run 1: %v; job %s at checkpoint %+v after %d chunks; want an error, running at chunk 2", err, after1.Status, after1.Checkpoint, len(run1.firsts))
	}
	if after1.Counts.RowsDone != after1.Checkpoint.Rows || after1.Checkpoint.Rows != run1.rows {
		t.Fatalf("run 1: %d rows done, checkpoint %+v, %d rows committed", after1.Counts.RowsDone, after1.Checkpoint, run1.rows)
	}

	// Run 2 resumes after chunk 2, queues chunk 2's emails, commits chunk 3
	// and dies before committing chunk 4.
	run2 := &killingRows{Store: r.store, failAt: 4}
	after2, err := runWith(run2)
	if err == nil || after2.Status != invite.JobRunning || after2.Checkpoint.Chunks != 3 {
		t.Fatalf("run 2: %v; job %s at checkpoint %+v; want an error, running at chunk 3", err, after2.Status, after2.Checkpoint)
	}
	if len(run2.firsts) != 1 || run2.firsts[0] != after1.Checkpoint.Rows+1 {
		t.Fatalf("run 2 committed chunks from rows %v; want one, from row %d (after run 1's checkpoint)", run2.firsts, after1.Checkpoint.Rows+1)
	}

	// Run 3 resumes after chunk 3 and finishes.
	run3 := &killingRows{Store: r.store}
	done, err := runWith(run3)
	if err != nil || done.Status != invite.JobDone {
		t.Fatalf("run 3: %v; job %s (%s)", err, done.Status, done.Error)
	}
	if len(run3.firsts) == 0 || run3.firsts[0] != after2.Checkpoint.Rows+1 || run3.rows != total-after2.Checkpoint.Rows {
		t.Fatalf("run 3 committed %d rows in chunks from rows %v; want %d, from row %d", run3.rows, run3.firsts,
			total-after2.Checkpoint.Rows, after2.Checkpoint.Rows+1)
	}
	if run1.rows+run2.rows+run3.rows != total {
		t.Fatalf("the runs committed %d + %d + %d rows, want %d in all", run1.rows, run2.rows, run3.rows, total)
	}

	checkOutcomes(t, done, map[invite.Outcome]int{
		invite.OutcomeInvited: learners, invite.OutcomeDuplicate: 1, invite.OutcomeAlreadyInvited: 1,
		invite.OutcomeAlreadyMember: 1, invite.OutcomeInvalidEmail: 1,
	})
	c, _ := r.store.GetContract(ctx, r.org.ID, r.contract.ID)
	p, _ := r.store.GetProgram(ctx, r.org.ID, r.program.ID)
	o, _ := r.store.GetOrg(ctx, r.org.ID)
	// One invitation was pending before the import (invited@acme.edu).
	if c.Pending != learners+1 || p.Counts.InvitationsPending != learners+1 || o.Counts.InvitationsPending != learners+1 {
		t.Fatalf("contract pending %d, program invited %d, org invited %d; want %d each", c.Pending, p.Counts.InvitationsPending, o.Counts.InvitationsPending, learners+1)
	}
	mu.Lock()
	if len(queued) != learners {
		t.Errorf("%d invitation emails queued, want %d", len(queued), learners)
	}
	for id, n := range queued {
		if n != 1 {
			t.Errorf("email %s queued %d times", id, n)
		}
	}
	mu.Unlock()
	for _, e := range []string{"learner.1@acme.edu", "learner.100@acme.edu", "learner.240@acme.edu"} {
		l, err := r.store.GetLearner(ctx, r.program.ID, e)
		if err != nil || l.ImportID != j.ID || l.EmailQueuedAt == nil || queued["invitation/"+l.InvitationID] != 1 {
			t.Errorf("%s: %+v, %v; want invited by the import, its email queued once", e, l, err)
		}
	}

	// The result file has every row once, in the file's order, though three
	// runs wrote its chunks.
	results := r.resultFile(done)
	if len(results) != total+1 {
		t.Fatalf("result file has %d lines, want %d", len(results), total+1)
	}
	for i, rec := range results[1:] {
		if rec[1] != emails[i] {
			t.Fatalf("result line %d is %q, want the row of %s", i+2, rec, emails[i])
		}
	}
	if got := results[201]; got[3] != "duplicate" || got[4] != "duplicate of row 6" {
		t.Errorf("the late duplicate's result is %q", got)
	}
}

// TestImportReinvitesARemovedMemberAndRunsOnceAtATime: a removed member's
// row meets their record, so its chunk is committed again with that row
// conditioned on the record as read; and two runs of one import at once
// (a redelivered event) end with every row counted once.
func TestImportReinvitesARemovedMemberAndRunsOnceAtATime(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	member, err := r.store.GetLearner(ctx, r.program.ID, "member@acme.edu")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.RemoveMember(ctx, member, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("Full Name,Email,External ID\nBack Again,member@acme.edu,\n")
	const learners = 300
	for i := 1; i <= learners; i++ {
		file.WriteString("Learner " + strconv.Itoa(i) + ",learner." + strconv.Itoa(i) + "@acme.edu,\n")
	}
	no := false
	j, err := r.importer.Create(ctx, r.boss, r.org.ID, r.program.ID, invite.NewImport{ContractID: r.contract.ID, SendEmails: &no, CSV: file.String()})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- r.handler(ctx, r.event(j.FileKey())) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("handler: %v", err)
		}
	}
	done, err := r.importer.Get(ctx, r.boss, r.org.ID, r.program.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != invite.JobDone {
		t.Fatalf("import ended %s: %s", done.Status, done.Error)
	}
	checkOutcomes(t, done, map[invite.Outcome]int{invite.OutcomeInvited: learners + 1})
	back, err := r.store.GetLearner(ctx, r.program.ID, "member@acme.edu")
	if err != nil || back.State != bo.StateInvited || back.ImportID != j.ID || back.FullName != "Back Again" {
		t.Fatalf("removed member after the import: %+v, %v", back, err)
	}
	c, _ := r.store.GetContract(ctx, r.org.ID, r.contract.ID)
	p, _ := r.store.GetProgram(ctx, r.org.ID, r.program.ID)
	// invited@acme.edu was pending before.
	if c.Pending != learners+2 || p.Counts.InvitationsPending != learners+2 {
		t.Fatalf("contract pending %d, program invited %d; want %d", c.Pending, p.Counts.InvitationsPending, learners+2)
	}
}

// overlapBound bounds the wait for the next chunk's look-up in
// TestNextChunkIsPreparedWhileOneCommits: it passes at once when the run
// overlaps them, and only a broken run waits it out.
const overlapBound = 2 * time.Minute

// overlappingRows holds the first chunk's commit until the learners of the
// next chunk have been looked up.
type overlappingRows struct {
	*dynamo.Store
	mu      sync.Mutex
	lookups int
	second  chan struct{} // closed at the second look-up
}

var _ invite.RowStore = (*overlappingRows)(nil)

func (o *overlappingRows) GetLearners(ctx context.Context, programID string, keys []string) (map[string]bo.Learner, error) {
	o.mu.Lock()
	if o.lookups++; o.lookups == 2 {
		close(o.second)
	}
	o.mu.Unlock()
	return o.Store.GetLearners(ctx, programID, keys)
}

func (o *overlappingRows) CommitChunk(ctx context.Context, c invite.ChunkCommit) error {
	if c.Prev == 0 && c.Job.Checkpoint.Chunks == 1 {
		select {
		case <-o.second:
		case <-time.After(overlapBound):
			return errors.New("the second chunk was not looked up while the first committed")
		}
	}
	return o.Store.CommitChunk(ctx, c)
}

// TestNextChunkIsPreparedWhileOneCommits runs a dry run of three chunks
// whose first commit waits for the second chunk's look-up: the run reads
// and prepares a chunk while the one before it commits, and still commits
// them in order with exact counts.
func TestNextChunkIsPreparedWhileOneCommits(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const learners = 600 // three chunks
	var file strings.Builder
	file.WriteString("Full Name,Email,External ID\n")
	for i := 1; i <= learners; i++ {
		file.WriteString("Learner " + strconv.Itoa(i) + ",learner." + strconv.Itoa(i) + "@acme.edu,\n")
	}
	admins := admin.NewService(r.store, admin.Config{LearnerAppURL: r.conf.LearnerAppURL})
	svc := invite.NewService(r.store, admins, outboxFunc(func(context.Context, []mail.Message) error { return nil }),
		invite.Config{LearnerAppURL: r.conf.LearnerAppURL})
	no := false
	j, err := invite.NewImporter(svc, r.store, r.bucket).Create(ctx, r.boss, r.org.ID, r.program.ID,
		invite.NewImport{ContractID: r.contract.ID, SendEmails: &no, DryRun: true, CSV: file.String()})
	if err != nil {
		t.Fatal(err)
	}
	rows := &overlappingRows{Store: r.store, second: make(chan struct{})}
	if err := invite.NewRunner(svc, r.store, rows, r.bucket, slog.New(slog.DiscardHandler)).Run(ctx, r.program.ID, j.ID); err != nil {
		t.Fatal(err)
	}
	done, err := r.store.GetImport(ctx, r.program.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != invite.JobDone || done.Checkpoint.Chunks != 3 || rows.lookups != 3 {
		t.Fatalf("job %s (%s) at checkpoint %+v after %d look-ups; want done after 3 chunks and 3 look-ups",
			done.Status, done.Error, done.Checkpoint, rows.lookups)
	}
	checkOutcomes(t, done, map[invite.Outcome]int{invite.OutcomeInvited: learners})
}
