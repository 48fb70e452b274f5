package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
	"github.com/learnops/backoffice/shared/domain/privacy"
)

// fakeStore is a privacy.Store whose methods are its fields; a nil field
// answers with nothing.
type fakeStore struct {
	createJob    func(ctx context.Context, j privacy.Job) error
	putJob       func(ctx context.Context, j privacy.Job) error
	getJob       func(orgID string, kind privacy.Kind, id string) (privacy.Job, error)
	personalData func(orgID string, email bo.Email) (privacy.Sections, error)
	isOrgAdmin   func(orgID, emailKey string) (bool, error)
	eraseItems   func(orgID string, email, anon bo.Email) (map[string]int, error)
	auditNaming  func(orgID string, p privacy.AuditPartitions) ([]audit.Record, error)
	replaceAudit func(old, updated audit.Record) (bool, error)
}

var _ privacy.Store = (*fakeStore)(nil)

func (f *fakeStore) CreatePrivacyJob(ctx context.Context, j privacy.Job) error {
	if f.createJob == nil {
		return nil
	}
	return f.createJob(ctx, j)
}
func (f *fakeStore) GetPrivacyJob(_ context.Context, orgID string, kind privacy.Kind, id string) (privacy.Job, error) {
	if f.getJob == nil {
		return privacy.Job{}, bo.Errorf(bo.ENOTFOUND, "no such job")
	}
	return f.getJob(orgID, kind, id)
}
func (f *fakeStore) PutPrivacyJob(ctx context.Context, j privacy.Job) error {
	if f.putJob == nil {
		return nil
	}
	return f.putJob(ctx, j)
}
func (f *fakeStore) PersonalData(_ context.Context, orgID string, email bo.Email) (privacy.Sections, error) {
	if f.personalData == nil {
		return privacy.Sections{}, nil
	}
	return f.personalData(orgID, email)
}
func (f *fakeStore) IsOrgAdmin(_ context.Context, orgID, emailKey string) (bool, error) {
	if f.isOrgAdmin == nil {
		return false, nil
	}
	return f.isOrgAdmin(orgID, emailKey)
}
func (f *fakeStore) PutTombstone(_ context.Context, t privacy.Tombstone) (privacy.Tombstone, error) {
	return t, nil
}
func (f *fakeStore) EraseItems(_ context.Context, orgID string, email, anon bo.Email) (map[string]int, error) {
	if f.eraseItems == nil {
		return map[string]int{}, nil
	}
	return f.eraseItems(orgID, email, anon)
}
func (f *fakeStore) RewriteImportResults(context.Context, string, func([]byte) ([]byte, bool)) (int, error) {
	return 0, nil
}
func (f *fakeStore) OrgFiles(context.Context, string) ([]string, error) { return nil, nil }
func (f *fakeStore) DeletePersonalExports(context.Context, string, string) ([]string, error) {
	return nil, nil
}
func (f *fakeStore) AuditNaming(_ context.Context, orgID string, p privacy.AuditPartitions) ([]audit.Record, error) {
	if f.auditNaming == nil {
		return nil, nil
	}
	return f.auditNaming(orgID, p)
}
func (f *fakeStore) ReplaceAudit(_ context.Context, old, updated audit.Record) (bool, error) {
	if f.replaceAudit == nil {
		return true, nil
	}
	return f.replaceAudit(old, updated)
}

// fakeFiles is the bucket: writes go to bufs.
type fakeFiles struct {
	bufs map[string]*bytes.Buffer
}

func (f *fakeFiles) Open(context.Context, string) (io.ReadCloser, int64, error) {
	return nil, 0, bo.Errorf(bo.ENOTFOUND, "no such file")
}
func (f *fakeFiles) Put(context.Context, string, io.Reader, string) error { return nil }
func (f *fakeFiles) Delete(context.Context, string) error                 { return nil }
func (f *fakeFiles) Writer(_ context.Context, key, _ string) io.WriteCloser {
	b := &bytes.Buffer{}
	f.bufs[key] = b
	return nopCloser{b}
}
func (f *fakeFiles) PresignGet(context.Context, string, time.Duration, string) (string, time.Time, error) {
	return "https://files.example/x", time.Time{}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type fakeWork struct{ send func(item any) error }

func (f fakeWork) Send(_ context.Context, item any) error {
	if f.send == nil {
		return nil
	}
	return f.send(item)
}

// fakeAdmins lets the org admins of orgs through.
type fakeAdmins struct{ orgAdmins map[string]bool }

func (f fakeAdmins) AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, _ string) error {
	if !f.orgAdmins[caller.Email] {
		return bo.Errorf(bo.EFORBIDDEN, "not an org admin")
	}
	audit.SetRole(ctx, string(bo.RoleOrgAdmin))
	return nil
}

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newService(store *fakeStore, files *fakeFiles, work fakeWork) *privacy.Service {
	s := privacy.NewService(store, files, work, fakeAdmins{orgAdmins: map[string]bool{"dean@acme.edu": true}})
	s.Now = func() time.Time { return now }
	s.Log = slog.New(slog.DiscardHandler)
	return s
}

func caller(email string) bo.Caller {
	return bo.Caller{Subject: "sub-" + email, Email: email, EmailVerified: true}
}

// claimed returns the audit record attached to ctx, if any.
func claimed(ctx context.Context) (audit.Record, bool) {
	rec, done, ok := audit.Claim(ctx)
	if ok {
		done(true)
	}
	return rec, ok
}

func TestRequestsAreAuditedByDigest(t *testing.T) {
	for _, tc := range []struct {
		name, by, about string
		erase           bool
		code, action    string
		role            string
	}{
		{"an admin's export", "dean@acme.edu", "jo@acme.edu", false, "", audit.PersonExport, string(bo.RoleOrgAdmin)},
		{"a learner's own export", "jo@acme.edu", "Jo@Acme.edu", false, "", audit.PersonExport, audit.RoleLearner},
		{"someone else's export", "ann@acme.edu", "jo@acme.edu", false, bo.EFORBIDDEN, "", ""},
		{"an admin's erasure", "dean@acme.edu", "jo@acme.edu", true, "", audit.PersonErase, string(bo.RoleOrgAdmin)},
		{"an erasure by the person", "jo@acme.edu", "jo@acme.edu", true, bo.EFORBIDDEN, "", ""},
		{"an erasure of an admin", "dean@acme.edu", "pam@acme.edu", true, bo.ECONFLICT, "", ""},
		{"a bad address", "dean@acme.edu", "nope", true, bo.EINVALID, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec audit.Record
			var written []privacy.Job
			store := &fakeStore{
				isOrgAdmin: func(_, key string) (bool, error) { return key == "pam@acme.edu", nil },
				createJob: func(ctx context.Context, j privacy.Job) error {
					rec, _ = claimed(ctx)
					written = append(written, j)
					return nil
				},
			}
			var items []privacy.WorkItem
			s := newService(store, &fakeFiles{}, fakeWork{send: func(item any) error {
				items = append(items, item.(privacy.WorkItem))
				return nil
			}})
			ctx := audit.WithCaller(context.Background(), caller(tc.by), "req-1", "198.51.100.7")
			var j privacy.Job
			var err error
			if tc.erase {
				j, err = s.RequestErasure(ctx, caller(tc.by), "org_1", tc.about)
			} else {
				j, err = s.RequestExport(ctx, caller(tc.by), "org_1", tc.about)
			}
			if bo.ErrorCode(err) != tc.code {
				t.Fatalf("code %q, want %q (%v)", bo.ErrorCode(err), tc.code, err)
			}
			if tc.code != "" {
				if len(written) != 0 || len(items) != 0 {
					t.Errorf("a refused request wrote %v and queued %v", written, items)
				}
				return
			}
			digest := bo.PersonDigest("org_1", strings.ToLower(tc.about))
			if rec.Action != tc.action || rec.Target != (audit.Target{Type: audit.TargetPerson, ID: digest}) ||
				rec.Actor.Email != tc.by || rec.Actor.Role != tc.role || rec.RequestID != "req-1" {
				t.Errorf("record %+v", rec)
			}
			raw, _ := json.Marshal(rec)
			if strings.Contains(strings.ToLower(string(raw)), "jo@acme.edu") && tc.by != "jo@acme.edu" {
				t.Errorf("the record names the person: %s", raw)
			}
			if j.Subject != digest || j.Actor.Email != tc.by || len(items) != 1 || items[0].Email == "" {
				t.Errorf("job %+v, items %+v", j, items)
			}
		})
	}
}

// jo is the person of the erasure tests, with the records that name them.
var (
	jo      = "Jo@acme.edu"
	joData  = privacy.Sections{"profile": {{"email": jo, "fullName": "Jo Person", "externalId": "E-77"}}, "enrollments": {{"itemId": "c0"}}}
	joAudit = []audit.Record{
		{ID: "aud_2", OrgID: "org_1", Action: audit.EnrollmentCreate, Actor: audit.Actor{Subject: "sub-jo", Email: jo, Role: audit.RoleLearner},
			Target: audit.Target{Type: audit.TargetEnrollment, ID: jo + "/c0"}, SourceIP: "198.51.100.9", Changes: []audit.Change{{Field: "itemType", New: "course"}}},
		{ID: "aud_1", OrgID: "org_1", Action: audit.InvitationCreate, Actor: audit.Actor{Subject: "sub-dean", Email: "dean@acme.edu", Role: "org_admin"},
			Target: audit.Target{Type: audit.TargetInvitation, ID: jo}, SourceIP: "198.51.100.7",
			Changes: []audit.Change{{Field: "email", New: jo}, {Field: "fullName", New: "Jo Person"}, {Field: "externalId", New: "E-77"}}},
		{ID: "aud_0", OrgID: "org_1", Action: audit.ProgramCreate, Actor: audit.Actor{Email: "dean@acme.edu"}},
	}
)

func TestErasureAnonymisesAuditAndRecordsItsOutcome(t *testing.T) {
	job := privacy.Job{ID: "era_1", OrgID: "org_1", Kind: privacy.KindErasure, Status: privacy.StatusRequested,
		Subject: bo.PersonDigest("org_1", "jo@acme.edu"), Counts: map[string]int{}, RequestedBy: "sub-dean",
		Actor: audit.Actor{Subject: "sub-dean", Email: "dean@acme.edu", Role: "org_admin"}}
	var steps []string
	var finished audit.Record
	var replaced []audit.Record
	var partitions privacy.AuditPartitions
	itemsBeforeAudit := false
	store := &fakeStore{
		getJob:       func(string, privacy.Kind, string) (privacy.Job, error) { return job, nil },
		personalData: func(string, bo.Email) (privacy.Sections, error) { return joData, nil },
		putJob: func(ctx context.Context, j privacy.Job) error {
			if j.Progress.Step != "" {
				steps = append(steps, j.Progress.Step)
			}
			if rec, ok := claimed(ctx); ok {
				finished = rec
			}
			return nil
		},
		auditNaming: func(_ string, p privacy.AuditPartitions) ([]audit.Record, error) {
			partitions = p
			return joAudit, nil
		},
		replaceAudit: func(old, updated audit.Record) (bool, error) {
			replaced = append(replaced, updated)
			return old.ID != "aud_2", nil // another run moved aud_2 first
		},
		eraseItems: func(string, bo.Email, bo.Email) (map[string]int, error) {
			itemsBeforeAudit = len(replaced) == 0
			return map[string]int{"learners": 1}, nil
		},
	}
	s := newService(store, &fakeFiles{}, fakeWork{})
	body, _ := json.Marshal(privacy.WorkItem{Kind: privacy.WorkErasure, OrgID: "org_1", JobID: "era_1", Email: "jo@acme.edu"})
	if err := s.Handle(context.Background(), string(body)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"tombstone", "import-results", "files", "exports", "audit", "items"}; !slices.Equal(steps, want) || itemsBeforeAudit {
		t.Errorf("steps %v (items before audit: %v), want %v", steps, itemsBeforeAudit, want)
	}
	if !slices.Contains(partitions.ActorKeys, "jo@acme.edu") || !slices.Contains(partitions.Targets, audit.Target{Type: audit.TargetEnrollment, ID: jo + "/c0"}) ||
		!slices.Contains(partitions.Targets, audit.Target{Type: audit.TargetInvitation, ID: jo}) {
		t.Errorf("partitions read %+v", partitions)
	}
	if len(replaced) != 2 {
		t.Fatalf("replaced %d records, want the 2 naming jo: %+v", len(replaced), replaced)
	}
	for _, r := range replaced {
		raw, _ := json.Marshal(r)
		for _, needle := range []string{"jo@acme.edu", "jo person", "e-77", "sub-jo", "198.51.100.9"} {
			if strings.Contains(strings.ToLower(string(raw)), needle) {
				t.Errorf("%s still holds %q: %s", r.ID, needle, raw)
			}
		}
		if !strings.Contains(string(raw), bo.ErasedDomain) {
			t.Errorf("%s names no anonymous address: %s", r.ID, raw)
		}
	}
	if inv := replaced[1]; inv.Actor.Email != "dean@acme.edu" || inv.SourceIP != "198.51.100.7" || inv.Action != audit.InvitationCreate {
		t.Errorf("the admin's part of the invitation record changed: %+v", inv)
	}
	raw, _ := json.Marshal(finished)
	if finished.Action != audit.PersonEraseFinished || finished.Actor.Email != "dean@acme.edu" ||
		finished.Target != (audit.Target{Type: audit.TargetPerson, ID: job.Subject}) || strings.Contains(strings.ToLower(string(raw)), "jo@") {
		t.Errorf("outcome record %s", raw)
	}
	got := map[string]string{}
	for _, c := range finished.Changes {
		got[c.Field] = c.New
	}
	if got["auditRecords"] != "1" || got["learners"] != "1" || got["erasureId"] != "era_1" || got["anonymousId"] == "" {
		t.Errorf("outcome changes %v", got)
	}
}

func TestAnonymiseRecord(t *testing.T) {
	r := privacy.Redactor{EmailKey: "jo@acme.edu", Anon: "anon_1@erased.invalid", Addresses: []string{"Jo@Acme.edu"},
		Names: []string{"Jo Person"}, ExternalIDs: []string{"E-77"}}
	for _, tc := range []struct {
		name    string
		in      audit.Record
		want    audit.Record
		changed bool
	}{
		{"not named: unchanged", audit.Record{ID: "a", Target: audit.Target{Type: "program", ID: "p1"}, Changes: []audit.Change{{Field: "name", New: "Jo Person"}}},
			audit.Record{ID: "a", Target: audit.Target{Type: "program", ID: "p1"}, Changes: []audit.Change{{Field: "name", New: "Jo Person"}}}, false},
		{"their own change: subject and source dropped, role kept",
			audit.Record{Actor: audit.Actor{Subject: "s", Email: "JO@acme.edu", Role: "learner"}, SourceIP: "1.2.3.4", RequestID: "r",
				Target: audit.Target{Type: "member", ID: "Jo@Acme.edu"}, Changes: []audit.Change{}},
			audit.Record{Actor: audit.Actor{Email: "anon_1@erased.invalid", Role: "learner"}, RequestID: "r",
				Target: audit.Target{Type: "member", ID: "anon_1@erased.invalid"}, Changes: []audit.Change{}}, true},
		{"an admin's change: values blanked or cut, the admin kept",
			audit.Record{Actor: audit.Actor{Email: "dean@acme.edu"}, SourceIP: "1.2.3.4", Target: audit.Target{Type: "message", ID: "m1"},
				Changes: []audit.Change{{Field: "audience", New: `{"emails":["jo@acme.edu","ann@acme.edu"],"note":"for Jo Person"}`},
					{Field: "fullName", Old: " jo person ", New: ""}, {Field: "externalId", New: "E-77"}}},
			audit.Record{Actor: audit.Actor{Email: "dean@acme.edu"}, SourceIP: "1.2.3.4", Target: audit.Target{Type: "message", ID: "m1"},
				Changes: []audit.Change{{Field: "audience", New: `{"emails":["anon_1@erased.invalid","ann@acme.edu"],"note":"for "}`},
					{Field: "fullName"}, {Field: "externalId"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := r.AnonymiseRecord(tc.in)
			if changed != tc.changed || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("got %+v (%v)\nwant %+v (%v)", got, changed, tc.want, tc.changed)
			}
		})
	}
}

func TestExportHoldsTheAuditRecordsNamingThem(t *testing.T) {
	job := privacy.Job{ID: "pde_1", OrgID: "org_1", Kind: privacy.KindExport, Status: privacy.StatusRequested,
		Subject: bo.PersonDigest("org_1", "jo@acme.edu"), Counts: map[string]int{}, FileKey: "personal-data/org_1/pde_1.zip"}
	audience := audit.Record{ID: "aud_3", Action: audit.MessageCreate, Actor: audit.Actor{Email: "dean@acme.edu"},
		Target: audit.Target{Type: audit.TargetMessage, ID: "m1"}, Changes: []audit.Change{{Field: "audience", New: `["JO@acme.edu","ann@acme.edu"]`}}}
	var done privacy.Job
	store := &fakeStore{
		getJob: func(string, privacy.Kind, string) (privacy.Job, error) { return job, nil },
		personalData: func(string, bo.Email) (privacy.Sections, error) {
			return privacy.Sections{"profile": joData["profile"]}, nil
		},
		auditNaming: func(string, privacy.AuditPartitions) ([]audit.Record, error) {
			return append(slices.Clone(joAudit), audience), nil
		},
		putJob: func(_ context.Context, j privacy.Job) error { done = j; return nil },
	}
	files := &fakeFiles{bufs: map[string]*bytes.Buffer{}}
	s := newService(store, files, fakeWork{})
	body, _ := json.Marshal(privacy.WorkItem{Kind: privacy.WorkExport, OrgID: "org_1", JobID: "pde_1", Email: "jo@acme.edu"})
	if err := s.Handle(context.Background(), string(body)); err != nil {
		t.Fatal(err)
	}
	if done.Status != privacy.StatusReady || done.Counts["audit"] != 3 {
		t.Errorf("export %+v: want 3 audit records (the program's creation names nobody)", done)
	}
	zipped := files.bufs[job.FileKey].Bytes()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		content, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(content), "ann@acme.edu") {
			t.Errorf("%s holds someone else's address", f.Name)
		}
		if f.Name == "audit.csv" && !strings.Contains(string(content), "aud_3") {
			t.Errorf("audit.csv lacks the message's record: %s", content)
		}
	}
}
