package admin_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

func ptr[T any](v T) *T { return &v }

// withOrg lets f answer the org read that follows a change of settings:
// the org with the brand, and no contracts.
func withOrg(f *fakeStore, brand bo.Brand) *fakeStore {
	f.GetOrgFn = func(_ context.Context, id string) (bo.Org, error) { return bo.Org{ID: id, Brand: brand}, nil }
	f.ListContractsFn = func(context.Context, string, bo.Page) ([]bo.Contract, string, error) { return nil, "", nil }
	return f
}

func TestProgramAdminDeletesOwnProgramOnly(t *testing.T) {
	program := func(_ context.Context, orgID, id string) (bo.Program, error) {
		return bo.Program{OrgID: orgID, ID: id}, nil
	}
	tests := []struct {
		name    string
		caller  bo.Caller
		program string
		code    string
	}{
		{"own program", caller("pa@a.org"), "prg_1", ""},
		{"another program", caller("pa@a.org"), "prg_2", bo.ENOTFOUND},
		{"org admin", caller("boss@a.org"), "prg_2", ""},
		{"admin of another org", caller("boss@b.org"), "prg_1", bo.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deleted := ""
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin), GetProgramFn: program,
				DeleteProgramFn: func(_ context.Context, _, id string) error { deleted = id; return nil }}
			_, err := newService(f).DeleteProgram(context.Background(), tt.caller, "org_a", tt.program)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if want := map[bool]string{true: tt.program, false: ""}[tt.code == ""]; deleted != want {
				t.Fatalf("deleted %q, want %q", deleted, want)
			}
		})
	}
}

func fieldsOf(err error) []string {
	var out []string
	for _, d := range bo.ErrorDetails(err) {
		out = append(out, d.Field)
	}
	return out
}

func TestCheckContractChange(t *testing.T) {
	end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     admin.ContractChange
		fields []string
		want   admin.ContractEdit
	}{
		{"empty", admin.ContractChange{}, []string{"body"}, admin.ContractEdit{}},
		{"more licences", admin.ContractChange{Licences: ptr(50)}, nil, admin.ContractEdit{Licences: ptr(50)}},
		{"zero licences", admin.ContractChange{Licences: ptr(0)}, []string{"licences"}, admin.ContractEdit{}},
		{"too many licences", admin.ContractChange{Licences: ptr(admin.MaxLicences + 1)}, []string{"licences"}, admin.ContractEdit{}},
		{"licences and unlimited", admin.ContractChange{Licences: ptr(5), Unlimited: ptr(true)}, []string{"licences"}, admin.ContractEdit{}},
		{"capped without a cap", admin.ContractChange{Unlimited: ptr(false)}, []string{"licences"}, admin.ContractEdit{}},
		{"unlimited", admin.ContractChange{Unlimited: ptr(true)}, nil, admin.ContractEdit{Unlimited: true}},
		{"blank name", admin.ContractChange{Name: ptr("  ")}, []string{"name"}, admin.ContractEdit{}},
		{"name and end", admin.ContractChange{Name: ptr(" Year 2 "), EndsAt: &end}, nil, admin.ContractEdit{Name: ptr("Year 2"), EndsAt: &end}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := admin.CheckContractChange(tt.in)
			if f := fieldsOf(err); !slices.Equal(f, tt.fields) {
				t.Fatalf("fields at fault = %v, want %v (%v)", f, tt.fields, err)
			}
			if err != nil {
				return
			}
			if (got.Name == nil) != (tt.want.Name == nil) || got.Name != nil && *got.Name != *tt.want.Name ||
				(got.Licences == nil) != (tt.want.Licences == nil) || got.Licences != nil && *got.Licences != *tt.want.Licences ||
				got.Unlimited != tt.want.Unlimited || (got.EndsAt == nil) != (tt.want.EndsAt == nil) {
				t.Fatalf("edit = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRenewContract(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := bo.Contract{OrgID: "org_a", ID: "con_1", Name: "Year 1", Kind: bo.LicencePerEnrollment, Licences: 10,
		StartsAt: start, EndsAt: start.AddDate(1, 0, 0)}
	tests := []struct {
		name    string
		caller  bo.Caller
		prev    bo.Contract
		in      admin.Renewal
		code    string
		check   func(t *testing.T, c bo.Contract)
		written bool
	}{
		{"defaults follow the old term", caller("boss@a.org"), prev, admin.Renewal{}, "", func(t *testing.T, c bo.Contract) {
			if !c.StartsAt.Equal(prev.EndsAt) || !c.EndsAt.Equal(prev.EndsAt.Add(prev.EndsAt.Sub(prev.StartsAt))) ||
				c.Licences != 10 || c.Kind != bo.LicencePerEnrollment || c.RenewsID != "con_1" || c.Name != "Year 1 (renewed)" {
				t.Fatalf("renewal %+v", c)
			}
		}, true},
		{"new name, licences, end", caller("boss@a.org"), prev, admin.Renewal{Name: "Year 2", Licences: ptr(20), EndsAt: ptr(start.AddDate(3, 0, 0))}, "",
			func(t *testing.T, c bo.Contract) {
				if c.Name != "Year 2" || c.Licences != 20 || !c.EndsAt.Equal(start.AddDate(3, 0, 0)) {
					t.Fatalf("renewal %+v", c)
				}
			}, true},
		{"end before start", caller("boss@a.org"), prev, admin.Renewal{EndsAt: ptr(start)}, bo.EINVALID, nil, false},
		{"renewed already", caller("boss@a.org"), func() bo.Contract { c := prev; c.RenewedByID = "con_2"; return c }(), admin.Renewal{}, bo.ECONFLICT, nil, false},
		{"program admin", caller("pa@a.org"), prev, admin.Renewal{}, bo.EFORBIDDEN, nil, false},
		{"admin of another org", caller("boss@b.org"), prev, admin.Renewal{}, bo.EFORBIDDEN, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			written := false
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin),
				GetContractFn:   func(context.Context, string, string) (bo.Contract, error) { return tt.prev, nil },
				RenewContractFn: func(_ context.Context, _, _ bo.Contract) error { written = true; return nil }}
			c, err := newService(f).RenewContract(context.Background(), tt.caller, "org_a", "con_1", tt.in)
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if written != tt.written {
				t.Fatalf("written = %v, want %v", written, tt.written)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestUpdateOrgValidation(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		in     admin.OrgChange
		code   string
		fields []string
	}{
		{"brand colour and message", caller("boss@a.org"), admin.OrgChange{BrandColor: ptr("#1A2b3C"), InvitationMessage: ptr("Welcome!\n\nLearn.")}, "", nil},
		{"clear the colour", caller("boss@a.org"), admin.OrgChange{BrandColor: ptr("")}, "", nil},
		{"nothing to change", caller("boss@a.org"), admin.OrgChange{}, bo.EINVALID, []string{"body"}},
		{"bad colour", caller("boss@a.org"), admin.OrgChange{BrandColor: ptr("red; background:url(x)")}, bo.EINVALID, []string{"brandColor"}},
		{"message too long, blank name", caller("boss@a.org"), admin.OrgChange{Name: ptr(" "), InvitationMessage: ptr(strings.Repeat("a", bo.MaxInvitationMessageRunes+1))},
			bo.EINVALID, []string{"name", "invitationMessage"}},
		{"control character in message", caller("boss@a.org"), admin.OrgChange{InvitationMessage: ptr("hi\x1b[0m")}, bo.EINVALID, []string{"invitationMessage"}},
		{"not an upload id", caller("boss@a.org"), admin.OrgChange{LogoUploadID: ptr("../../etc")}, bo.EINVALID, []string{"logoUploadId"}},
		{"program admin", caller("pa@a.org"), admin.OrgChange{BrandColor: ptr("#000000")}, bo.EFORBIDDEN, nil},
		{"admin of another org", caller("boss@b.org"), admin.OrgChange{BrandColor: ptr("#000000")}, bo.EFORBIDDEN, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *admin.OrgSettings
			f := withOrg(&fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin),
				UpdateOrgSettingsFn: func(_ context.Context, _ string, ch admin.OrgSettings, _ time.Time) error { got = &ch; return nil }}, bo.Brand{})
			_, err := newService(f).UpdateOrg(context.Background(), tt.caller, "org_a", tt.in)
			if tt.code == "" {
				// The write succeeded; the answer's read of the org is
				// the store fake's business, not this test's.
				if got == nil {
					t.Fatalf("nothing written (%v)", err)
				}
				if tt.in.BrandColor != nil && *got.BrandColor != strings.ToLower(*tt.in.BrandColor) {
					t.Fatalf("colour %q", *got.BrandColor)
				}
				return
			}
			if c := bo.ErrorCode(err); c != tt.code {
				t.Fatalf("code = %q, want %q (%v)", c, tt.code, err)
			}
			if f := fieldsOf(err); !slices.Equal(f, tt.fields) {
				t.Fatalf("fields = %v, want %v", f, tt.fields)
			}
			if got != nil {
				t.Fatal("written on a refusal")
			}
		})
	}
}

// fakeLogos is an admin.Logos over one uploaded object.
type fakeLogos struct {
	size int64
	head []byte
}

func (f fakeLogos) PresignPut(_ context.Context, key, _ string, _ int64, ttl time.Duration) (string, time.Time, error) {
	return "https://s3.example/" + key, time.Time{}.Add(ttl), nil
}
func (f fakeLogos) Head(_ context.Context, key string, n int) (int64, []byte, error) {
	if f.head == nil {
		return 0, nil, bo.Errorf(bo.ENOTFOUND, "no %s", key)
	}
	return f.size, f.head[:min(n, len(f.head))], nil
}
func (f fakeLogos) PresignGet(_ context.Context, key string, _ time.Duration, _ string) (string, time.Time, error) {
	return "https://s3.example/" + key + "?signed", time.Time{}, nil
}

func TestLogoChecks(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}
	tests := []struct {
		name  string
		logos fakeLogos
		code  string
		ct    string
	}{
		{"png", fakeLogos{size: 2000, head: png}, "", "image/png"},
		{"jpeg", fakeLogos{size: 2000, head: jpeg}, "", "image/jpeg"},
		{"svg with script", fakeLogos{size: 200, head: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}, bo.EINVALID, ""},
		{"html", fakeLogos{size: 200, head: []byte("<html><body>hi")}, bo.EINVALID, ""},
		{"too large", fakeLogos{size: admin.MaxLogoBytes + 1, head: png}, bo.EINVALID, ""},
		{"not uploaded", fakeLogos{}, bo.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *admin.OrgSettings
			f := withOrg(&fakeStore{t: t, GetAdminFn: admins(orgAdmin),
				UpdateOrgSettingsFn: func(_ context.Context, _ string, ch admin.OrgSettings, _ time.Time) error { got = &ch; return nil }},
				bo.Brand{LogoKey: "logos/org_a/logo_abc"})
			svc := admin.NewService(f, admin.Config{Logos: tt.logos})
			org, err := svc.UpdateOrg(context.Background(), caller("boss@a.org"), "org_a", admin.OrgChange{LogoUploadID: ptr("logo_abc")})
			if tt.code != "" {
				if bo.ErrorCode(err) != tt.code || got != nil {
					t.Fatalf("code %q, written %v, want %q and nothing written (%v)", bo.ErrorCode(err), got != nil, tt.code, err)
				}
				return
			}
			if got == nil || got.Logo == nil || got.Logo.ContentType != tt.ct || got.Logo.Key != "logos/org_a/logo_abc" {
				t.Fatalf("stored %+v (%v)", got, err)
			}
			if org.Brand.LogoURL != "https://s3.example/logos/org_a/logo_abc?signed" {
				t.Fatalf("logo link %q", org.Brand.LogoURL)
			}
		})
	}
}

func TestStartLogoUpload(t *testing.T) {
	tests := []struct {
		name   string
		in     admin.NewLogoUpload
		fields []string
	}{
		{"png", admin.NewLogoUpload{ContentType: "image/png", Size: 1000}, nil},
		{"svg", admin.NewLogoUpload{ContentType: "image/svg+xml", Size: 1000}, []string{"contentType"}},
		{"empty", admin.NewLogoUpload{ContentType: "image/jpeg"}, []string{"size"}},
		{"too large", admin.NewLogoUpload{ContentType: "image/jpeg", Size: admin.MaxLogoBytes + 1}, []string{"size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin)}
			svc := admin.NewService(f, admin.Config{Logos: fakeLogos{}})
			up, err := svc.StartLogoUpload(context.Background(), caller("boss@a.org"), "org_a", tt.in)
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v (%v)", got, tt.fields, err)
			}
			if err == nil && (!strings.HasPrefix(up.ID, "logo_") || !strings.Contains(up.UploadURL, "logos/org_a/"+up.ID)) {
				t.Fatalf("upload %+v", up)
			}
		})
	}
}

func TestUpdateAdmin(t *testing.T) {
	program := func(_ context.Context, orgID, id string) (bo.Program, error) {
		if orgID == "org_a" && (id == "prg_1" || id == "prg_2") {
			return bo.Program{OrgID: orgID, ID: id}, nil
		}
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program")
	}
	tests := []struct {
		name   string
		caller bo.Caller
		email  string
		ids    []string
		code   string
	}{
		{"org admin moves a program admin", caller("boss@a.org"), "PA@a.org", []string{"prg_2", "prg_1", "prg_2"}, ""},
		{"no programs", caller("boss@a.org"), "pa@a.org", nil, bo.EINVALID},
		{"a program of no org", caller("boss@a.org"), "pa@a.org", []string{"prg_9"}, bo.EINVALID},
		{"an org admin", caller("boss@a.org"), "boss@a.org", []string{"prg_1"}, bo.ECONFLICT},
		{"no such admin", caller("boss@a.org"), "nobody@a.org", []string{"prg_1"}, bo.ENOTFOUND},
		{"a program admin", caller("pa@a.org"), "pa@a.org", []string{"prg_2"}, bo.EFORBIDDEN},
		{"admin of another org", caller("boss@b.org"), "pa@a.org", []string{"prg_2"}, bo.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrote []string
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin), GetProgramFn: program,
				UpdateAdminProgramsFn: func(_ context.Context, a bo.Admin, prev []string) error {
					if !slices.Equal(prev, progAdmin.ProgramIDs) {
						t.Errorf("condition on %v, want the programs read %v", prev, progAdmin.ProgramIDs)
					}
					wrote = a.ProgramIDs
					return nil
				}}
			_, err := newService(f).UpdateAdmin(context.Background(), tt.caller, "org_a", tt.email, admin.AdminChange{ProgramIDs: tt.ids})
			if got := bo.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if tt.code == "" && !slices.Equal(wrote, []string{"prg_1", "prg_2"}) {
				t.Fatalf("wrote %v", wrote)
			}
			if tt.code != "" && wrote != nil {
				t.Fatal("written on a refusal")
			}
		})
	}
}

// TestLogoLink: anyone gets a link to an org's logo; an org without one,
// an org that does not exist and an id no org can have all get the same
// ENOTFOUND (the last without a read), and a failing store is not hidden.
func TestLogoLink(t *testing.T) {
	orgs := map[string]bo.Org{
		"org_a": {ID: "org_a", Name: "A", Brand: bo.Brand{LogoKey: "logos/org_a/logo_1"}},
		"org_b": {ID: "org_b", Name: "B"},
	}
	tests := []struct {
		name, org string
		logos     admin.Logos
		want      string
		code      string
		reads     int
	}{
		{"logo", "org_a", fakeLogos{}, "https://s3.example/logos/org_a/logo_1?signed", "", 1},
		{"no logo", "org_b", fakeLogos{}, "", bo.ENOTFOUND, 1},
		{"no org", "org_c", fakeLogos{}, "", bo.ENOTFOUND, 1},
		{"not an id", "org_a#x", fakeLogos{}, "", bo.ENOTFOUND, 0},
		{"too long", strings.Repeat("o", 65), fakeLogos{}, "", bo.ENOTFOUND, 0},
		{"a deployment without logos", "org_a", nil, "", bo.ENOTFOUND, 1},
		{"store down", "org_down", fakeLogos{}, "", bo.EINTERNAL, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reads := 0
			f := &fakeStore{t: t, GetOrgFn: func(_ context.Context, id string) (bo.Org, error) {
				reads++
				if id == "org_down" {
					return bo.Org{}, fmt.Errorf("throttled")
				}
				if o, ok := orgs[id]; ok {
					return o, nil
				}
				return bo.Org{}, bo.Errorf(bo.ENOTFOUND, "no org %s", id)
			}}
			svc := admin.NewService(f, admin.Config{Logos: tt.logos})
			got, err := svc.LogoLink(context.Background(), tt.org)
			if code := bo.ErrorCode(err); got != tt.want || (err == nil) != (tt.code == "") || (err != nil && code != tt.code) || reads != tt.reads {
				t.Fatalf("LogoLink(%q) = %q, %v after %d reads; want %q, code %q after %d", tt.org, got, err, reads, tt.want, tt.code, tt.reads)
			}
			if tt.code == bo.ENOTFOUND && bo.ErrorMessage(err) != "this organisation has no logo" {
				t.Errorf("message %q tells the cases apart", bo.ErrorMessage(err))
			}
		})
	}
}
