package admin_test

import (
	"context"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

// fakeStore is an admin.Store whose methods are function fields; a test sets
// only those it expects to be called, and any other call fails the test.
type fakeStore struct {
	t                testing.TB
	CreateOrgFn      func(ctx context.Context, org bo.Org, admins []bo.Admin) error
	GetAdminFn       func(ctx context.Context, orgID, emailKey string) (bo.Admin, error)
	GetProgramFn     func(ctx context.Context, orgID, programID string) (bo.Program, error)
	CreateProgramFn  func(ctx context.Context, p bo.Program) error
	CreateAdminFn    func(ctx context.Context, a bo.Admin) error
	ListProgramsFn   func(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	CreateContractFn func(ctx context.Context, c bo.Contract) error
	UpdateProgramFn  func(ctx context.Context, p bo.Program) error
	GetOrgFn         func(ctx context.Context, orgID string) (bo.Org, error)
	ListContractsFn  func(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error)
	DeleteProgramFn  func(ctx context.Context, orgID, programID string) error
	// The edits of org settings, admins and contracts.
	UpdateOrgSettingsFn   func(ctx context.Context, orgID string, ch admin.OrgSettings, now time.Time) error
	UpdateAdminProgramsFn func(ctx context.Context, a bo.Admin, prev []string) error
	GetContractFn         func(ctx context.Context, orgID, contractID string) (bo.Contract, error)
	UpdateContractFn      func(ctx context.Context, orgID, contractID string, ch admin.ContractEdit, now time.Time) (bo.Contract, error)
	RenewContractFn       func(ctx context.Context, prev, next bo.Contract) error
}

var _ admin.Store = (*fakeStore)(nil)

func (f *fakeStore) unexpected(name string) {
	f.t.Helper()
	f.t.Fatalf("unexpected call to %s", name)
}

func (f *fakeStore) CreateOrg(ctx context.Context, org bo.Org, admins []bo.Admin) error {
	if f.CreateOrgFn == nil {
		f.unexpected("CreateOrg")
	}
	return f.CreateOrgFn(ctx, org, admins)
}
func (f *fakeStore) GetOrg(ctx context.Context, orgID string) (bo.Org, error) {
	if f.GetOrgFn == nil {
		f.unexpected("GetOrg")
	}
	return f.GetOrgFn(ctx, orgID)
}
func (f *fakeStore) GetAdmin(ctx context.Context, orgID, emailKey string) (bo.Admin, error) {
	if f.GetAdminFn == nil {
		f.unexpected("GetAdmin")
	}
	return f.GetAdminFn(ctx, orgID, emailKey)
}
func (f *fakeStore) ListAdmins(context.Context, string, bo.Page) ([]bo.Admin, string, error) {
	f.unexpected("ListAdmins")
	return nil, "", nil
}
func (f *fakeStore) CreateAdmin(ctx context.Context, a bo.Admin) error {
	if f.CreateAdminFn == nil {
		f.unexpected("CreateAdmin")
	}
	return f.CreateAdminFn(ctx, a)
}
func (f *fakeStore) DeleteAdmin(context.Context, string, string) error {
	f.unexpected("DeleteAdmin")
	return nil
}
func (f *fakeStore) CreateContract(ctx context.Context, c bo.Contract) error {
	if f.CreateContractFn == nil {
		f.unexpected("CreateContract")
	}
	return f.CreateContractFn(ctx, c)
}
func (f *fakeStore) GetContract(ctx context.Context, orgID, contractID string) (bo.Contract, error) {
	if f.GetContractFn == nil {
		f.unexpected("GetContract")
	}
	return f.GetContractFn(ctx, orgID, contractID)
}
func (f *fakeStore) UpdateOrgSettings(ctx context.Context, orgID string, ch admin.OrgSettings, now time.Time) error {
	if f.UpdateOrgSettingsFn == nil {
		f.unexpected("UpdateOrgSettings")
	}
	return f.UpdateOrgSettingsFn(ctx, orgID, ch, now)
}
func (f *fakeStore) UpdateAdminPrograms(ctx context.Context, a bo.Admin, prev []string) error {
	if f.UpdateAdminProgramsFn == nil {
		f.unexpected("UpdateAdminPrograms")
	}
	return f.UpdateAdminProgramsFn(ctx, a, prev)
}
func (f *fakeStore) UpdateContract(ctx context.Context, orgID, contractID string, ch admin.ContractEdit, now time.Time) (bo.Contract, error) {
	if f.UpdateContractFn == nil {
		f.unexpected("UpdateContract")
	}
	return f.UpdateContractFn(ctx, orgID, contractID, ch, now)
}
func (f *fakeStore) RenewContract(ctx context.Context, prev, next bo.Contract) error {
	if f.RenewContractFn == nil {
		f.unexpected("RenewContract")
	}
	return f.RenewContractFn(ctx, prev, next)
}
func (f *fakeStore) ListContracts(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error) {
	if f.ListContractsFn == nil {
		f.unexpected("ListContracts")
	}
	return f.ListContractsFn(ctx, orgID, page)
}
func (f *fakeStore) CreateProgram(ctx context.Context, p bo.Program) error {
	if f.CreateProgramFn == nil {
		f.unexpected("CreateProgram")
	}
	return f.CreateProgramFn(ctx, p)
}
func (f *fakeStore) GetProgram(ctx context.Context, orgID, programID string) (bo.Program, error) {
	if f.GetProgramFn == nil {
		f.unexpected("GetProgram")
	}
	return f.GetProgramFn(ctx, orgID, programID)
}
func (f *fakeStore) GetProgramBySlug(context.Context, string) (bo.Program, error) {
	f.unexpected("GetProgramBySlug")
	return bo.Program{}, nil
}
func (f *fakeStore) ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error) {
	if f.ListProgramsFn == nil {
		f.unexpected("ListPrograms")
	}
	return f.ListProgramsFn(ctx, orgID, page)
}
func (f *fakeStore) UpdateProgram(ctx context.Context, p bo.Program) error {
	if f.UpdateProgramFn == nil {
		f.unexpected("UpdateProgram")
	}
	return f.UpdateProgramFn(ctx, p)
}
func (f *fakeStore) DeleteProgram(ctx context.Context, orgID, programID string) error {
	if f.DeleteProgramFn == nil {
		f.unexpected("DeleteProgram")
	}
	return f.DeleteProgramFn(ctx, orgID, programID)
}
func (f *fakeStore) ListCollections(context.Context, string) ([]bo.Collection, error) {
	f.unexpected("ListCollections")
	return nil, nil
}
func (f *fakeStore) GetCollection(context.Context, string, string) (bo.Collection, error) {
	f.unexpected("GetCollection")
	return bo.Collection{}, nil
}
func (f *fakeStore) PutCollections(context.Context, ...bo.Collection) error {
	f.unexpected("PutCollections")
	return nil
}
func (f *fakeStore) DeleteCollection(context.Context, bo.Collection) error {
	f.unexpected("DeleteCollection")
	return nil
}

// admins returns a GetAdmin that knows the given admins of org "org_a".
func admins(list ...bo.Admin) func(context.Context, string, string) (bo.Admin, error) {
	return func(_ context.Context, orgID, key string) (bo.Admin, error) {
		for _, a := range list {
			if a.OrgID == orgID && a.EmailKey == key {
				return a, nil
			}
		}
		return bo.Admin{}, bo.Errorf(bo.ENOTFOUND, "no admin")
	}
}

var (
	orgAdmin  = bo.Admin{OrgID: "org_a", EmailKey: "boss@a.org", Role: bo.RoleOrgAdmin}
	progAdmin = bo.Admin{OrgID: "org_a", EmailKey: "pa@a.org", Role: bo.RoleProgramAdmin, ProgramIDs: []string{"prg_1"}}
)

func caller(email string, groups ...string) bo.Caller {
	return bo.Caller{Subject: "sub-" + email, Email: email, EmailVerified: true, Groups: groups}
}

func newService(f *fakeStore) *admin.Service {
	svc := admin.NewService(f, admin.Config{LearnerAppURL: "https://learn.example.com/"})
	svc.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	return svc
}

func TestCreateOrgAuthorisationAndValidation(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		in     admin.NewOrg
		code   string
		fields []string
	}{
		{"operator", caller("op@platform.io", bo.GroupPlatformOperators), admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "Boss@Acme.com"}}}, "", nil},
		{"not an operator", caller("boss@a.org", "admins"), admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{{Email: "b@acme.com"}}}, bo.EFORBIDDEN, nil},
		{"no name, no admins", caller("op@platform.io", bo.GroupPlatformOperators), admin.NewOrg{}, bo.EINVALID, []string{"name", "admins"}},
		{"control characters in names", caller("op@platform.io", bo.GroupPlatformOperators), admin.NewOrg{Name: "Acme\x00", Admins: []admin.NewAdmin{{Email: "b@acme.com", Name: "Bo\x1bss"}}},
			bo.EINVALID, []string{"name", "admins[0].name"}},
		{"a tab in the name", caller("op@platform.io", bo.GroupPlatformOperators), admin.NewOrg{Name: "Ac\tme", Admins: []admin.NewAdmin{{Email: "b@acme.com"}}},
			bo.EINVALID, []string{"name"}},
		{"bad and duplicate admins", caller("op@platform.io", bo.GroupPlatformOperators), admin.NewOrg{Name: "Acme", Admins: []admin.NewAdmin{
			{Email: "a@acme.com"}, {Email: "not-an-email"}, {Email: "A@ACME.com"}, {Email: "c@acme.com", Role: bo.RoleProgramAdmin},
		}}, bo.EINVALID, []string{"admins[1].email", "admins[2].email", "admins[3].role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stored []bo.Admin
			f := &fakeStore{t: t}
			if tt.code == "" {
				f.CreateOrgFn = func(_ context.Context, org bo.Org, as []bo.Admin) error {
					stored = as
					return nil
				}
			}
			org, _, err := newService(f).CreateOrg(context.Background(), tt.caller, tt.in)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			var fields []string
			for _, d := range bo.ErrorDetails(err) {
				fields = append(fields, d.Field)
			}
			if len(fields) != len(tt.fields) {
				t.Fatalf("fields = %v, want %v", fields, tt.fields)
			}
			for i := range fields {
				if fields[i] != tt.fields[i] {
					t.Fatalf("fields = %v, want %v", fields, tt.fields)
				}
			}
			if tt.code == "" {
				if org.ID == "" || len(stored) != 1 || stored[0].EmailKey != "boss@acme.com" ||
					stored[0].Email != "Boss@acme.com" || stored[0].Role != bo.RoleOrgAdmin {
					t.Fatalf("stored org %+v admins %+v", org, stored)
				}
			}
		})
	}
}

func TestProgramAccess(t *testing.T) {
	program := func(_ context.Context, orgID, id string) (bo.Program, error) {
		if orgID == "org_a" && (id == "prg_1" || id == "prg_2") {
			return bo.Program{OrgID: orgID, ID: id, Slug: "p-" + id[4:]}, nil
		}
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program")
	}
	tests := []struct {
		name      string
		caller    bo.Caller
		orgID, id string
		code      string
	}{
		{"org admin, any program", caller("boss@a.org"), "org_a", "prg_2", ""},
		{"program admin, own program", caller("PA@a.org"), "org_a", "prg_1", ""},
		{"program admin, other program", caller("pa@a.org"), "org_a", "prg_2", bo.ENOTFOUND},
		{"admin of another org", caller("boss@a.org"), "org_b", "prg_1", bo.EFORBIDDEN},
		{"stranger", caller("x@evil.org"), "org_a", "prg_1", bo.EFORBIDDEN},
		{"unverified email of an admin", bo.Caller{Email: "boss@a.org"}, "org_a", "prg_1", bo.EFORBIDDEN},
		{"operator who is no admin", caller("op@platform.io", bo.GroupPlatformOperators), "org_a", "prg_1", bo.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin), GetProgramFn: program}
			p, err := newService(f).GetProgram(context.Background(), tt.caller, tt.orgID, tt.id)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if err == nil && p.ID != tt.id {
				t.Fatalf("got program %q, want %q", p.ID, tt.id)
			}
		})
	}
}

func TestAuthorizeOrg(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		orgID  string
		want   bo.Admin
		code   string
	}{
		{"org admin", caller("Boss@a.org"), "org_a", orgAdmin, ""},
		{"program admin, with their programs", caller("pa@a.org"), "org_a", progAdmin, ""},
		{"admin of another org", caller("boss@a.org"), "org_b", bo.Admin{}, bo.EFORBIDDEN},
		{"unverified email of an admin", bo.Caller{Email: "boss@a.org"}, "org_a", bo.Admin{}, bo.EFORBIDDEN},
		{"no email", bo.Caller{Subject: "s"}, "org_a", bo.Admin{}, bo.EUNAUTHORISED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin)}
			got, err := newService(f).AuthorizeOrg(context.Background(), tt.caller, tt.orgID)
			if code := bo.ErrorCode(err); code != tt.code {
				t.Fatalf("code = %q, want %q (%v)", code, tt.code, err)
			}
			if got.EmailKey != tt.want.EmailKey || got.Role != tt.want.Role || len(got.ProgramIDs) != len(tt.want.ProgramIDs) {
				t.Fatalf("admin = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProgramAdminListsOnlyOwnPrograms(t *testing.T) {
	f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin),
		GetProgramFn: func(_ context.Context, orgID, id string) (bo.Program, error) {
			return bo.Program{OrgID: orgID, ID: id}, nil
		}}
	ps, next, err := newService(f).ListPrograms(context.Background(), caller("pa@a.org"), "org_a", bo.Page{})
	if err != nil || next != "" || len(ps) != 1 || ps[0].ID != "prg_1" {
		t.Fatalf("got %v %q %v, want only prg_1", ps, next, err)
	}
}

func TestCreateProgramSlugs(t *testing.T) {
	limit := func(n int) *int { return &n }
	tests := []struct {
		name     string
		in       admin.NewProgram
		wantSlug string
		fields   []string
	}{
		{"derived", admin.NewProgram{Name: "Data Skills 2026!"}, "data-skills-2026", nil},
		{"given", admin.NewProgram{Name: "Data", Slug: "data-team"}, "data-team", nil},
		{"bad slug", admin.NewProgram{Name: "Data", Slug: "Data Team"}, "", []string{"slug"}},
		{"underivable", admin.NewProgram{Name: "日本語"}, "", []string{"slug"}},
		{"bad limit and no name", admin.NewProgram{EnrollmentLimit: limit(-1)}, "", []string{"name", "enrollmentLimit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var created bo.Program
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin), CreateProgramFn: func(_ context.Context, p bo.Program) error {
				created = p
				return nil
			}}
			svc := newService(f)
			p, err := svc.CreateProgram(context.Background(), caller("boss@a.org"), "org_a", tt.in)
			var fields []string
			for _, d := range bo.ErrorDetails(err) {
				fields = append(fields, d.Field)
			}
			if len(fields) != len(tt.fields) || (len(fields) > 0 && fields[0] != tt.fields[0]) {
				t.Fatalf("fields = %v, want %v (%v)", fields, tt.fields, err)
			}
			if tt.wantSlug != "" && (p.Slug != tt.wantSlug || created.Slug != tt.wantSlug) {
				t.Fatalf("slug = %q, stored %q, want %q", p.Slug, created.Slug, tt.wantSlug)
			}
			if tt.wantSlug != "" && svc.ProgramURL(p.Slug) != "https://learn.example.com/programs/"+tt.wantSlug {
				t.Fatalf("url = %q", svc.ProgramURL(p.Slug))
			}
		})
	}
}

func TestProgramAdminCannotDoOrgAdminWork(t *testing.T) {
	f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin)}
	svc := newService(f)
	ctx, pa := context.Background(), caller("pa@a.org")
	n := 5
	calls := map[string]error{
		"create program": func() error { _, err := svc.CreateProgram(ctx, pa, "org_a", admin.NewProgram{Name: "X"}); return err }(),
		"create contract": func() error {
			_, err := svc.CreateContract(ctx, pa, "org_a", admin.NewContract{Name: "C", Licences: &n})
			return err
		}(),
		"add admin": func() error {
			_, err := svc.AddAdmin(ctx, pa, "org_a", admin.NewAdmin{Email: "x@a.org", Role: bo.RoleOrgAdmin})
			return err
		}(),
		"list admins": func() error { _, _, err := svc.ListAdmins(ctx, pa, "org_a", bo.Page{}); return err }(),
		"change the org": func() error {
			_, err := svc.UpdateOrg(ctx, pa, "org_a", admin.OrgChange{Name: &[]string{"X"}[0]})
			return err
		}(),
		"start a logo upload": func() error {
			_, err := svc.StartLogoUpload(ctx, pa, "org_a", admin.NewLogoUpload{ContentType: "image/png", Size: 10})
			return err
		}(),
		"edit a contract": func() error {
			_, err := svc.UpdateContract(ctx, pa, "org_a", "con_1", admin.ContractChange{Licences: &n})
			return err
		}(),
		"renew a contract": func() error { _, err := svc.RenewContract(ctx, pa, "org_a", "con_1", admin.Renewal{}); return err }(),
		"change an admin's programs": func() error {
			_, err := svc.UpdateAdmin(ctx, pa, "org_a", "pa@a.org", admin.AdminChange{ProgramIDs: []string{"prg_2"}})
			return err
		}(),
	}
	for name, err := range calls {
		if bo.ErrorCode(err) != bo.EFORBIDDEN {
			t.Errorf("%s: code = %q, want forbidden (%v)", name, bo.ErrorCode(err), err)
		}
	}
}

func TestCreateContractValidation(t *testing.T) {
	n := func(i int) *int { return &i }
	tm := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	tests := []struct {
		name   string
		in     admin.NewContract
		fields []string
	}{
		{"capped", admin.NewContract{Name: "2026", Licences: n(50), StartsAt: tm("2026-01-01T00:00:00Z"), EndsAt: tm("2027-01-01T00:00:00Z")}, nil},
		{"unlimited", admin.NewContract{Name: "All", Unlimited: true, StartsAt: tm("2026-01-01T00:00:00Z"), EndsAt: tm("2027-01-01T00:00:00Z")}, nil},
		{"both", admin.NewContract{Name: "X", Unlimited: true, Licences: n(5), StartsAt: tm("2026-01-01T00:00:00Z"), EndsAt: tm("2027-01-01T00:00:00Z")}, []string{"licences"}},
		{"zero licences, ends before start", admin.NewContract{Name: "X", Licences: n(0), StartsAt: tm("2027-01-01T00:00:00Z"), EndsAt: tm("2026-01-01T00:00:00Z")}, []string{"licences", "endsAt"}},
		{"nothing", admin.NewContract{}, []string{"name", "licences", "startsAt", "endsAt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin), CreateContractFn: func(context.Context, bo.Contract) error { return nil }}
			c, err := newService(f).CreateContract(context.Background(), caller("boss@a.org"), "org_a", tt.in)
			var fields []string
			for _, d := range bo.ErrorDetails(err) {
				fields = append(fields, d.Field)
			}
			if len(fields) != len(tt.fields) {
				t.Fatalf("fields = %v, want %v (%v)", fields, tt.fields, err)
			}
			for i := range fields {
				if fields[i] != tt.fields[i] {
					t.Fatalf("fields = %v, want %v", fields, tt.fields)
				}
			}
			if err == nil && (c.ID == "" || c.Used != 0) {
				t.Fatalf("contract %+v", c)
			}
		})
	}
}
