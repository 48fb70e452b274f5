package admin_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

func TestProgramBanner(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	program := func(_ context.Context, orgID, id string) (bo.Program, error) {
		if orgID == "org_a" && (id == "prg_1" || id == "prg_2") {
			return bo.Program{OrgID: orgID, ID: id, Name: "Data", BannerKey: "banners/org_a/" + id + "/banner_old", BannerContentType: "image/png"}, nil
		}
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program")
	}
	tests := []struct {
		name    string
		caller  bo.Caller
		program string
		upload  string
		images  fakeLogos
		code    string
		fields  []string
		// key and ct are what is stored, and url the banner link answered.
		key, ct, url string
	}{
		{"program admin sets a png", caller("pa@a.org"), "prg_1", "banner_abc", fakeLogos{size: 2000, head: png}, "", nil,
			"banners/org_a/prg_1/banner_abc", "image/png", "https://s3.example/banners/org_a/prg_1/banner_abc?signed"},
		{"org admin removes it", caller("boss@a.org"), "prg_2", "", fakeLogos{}, "", nil, "", "", ""},
		{"html is refused", caller("pa@a.org"), "prg_1", "banner_abc", fakeLogos{size: 20, head: []byte("<html><script>")}, bo.EINVALID, []string{"bannerUploadId"}, "", "", ""},
		{"too large", caller("pa@a.org"), "prg_1", "banner_abc", fakeLogos{size: admin.MaxLogoBytes + 1, head: png}, bo.EINVALID, []string{"bannerUploadId"}, "", "", ""},
		{"not uploaded", caller("pa@a.org"), "prg_1", "banner_abc", fakeLogos{}, bo.EINVALID, []string{"bannerUploadId"}, "", "", ""},
		{"a logo's id", caller("pa@a.org"), "prg_1", "logo_abc", fakeLogos{size: 2000, head: png}, bo.EINVALID, []string{"bannerUploadId"}, "", "", ""},
		{"a path", caller("pa@a.org"), "prg_1", "../../logos/x", fakeLogos{size: 2000, head: png}, bo.EINVALID, []string{"bannerUploadId"}, "", "", ""},
		{"another program's admin", caller("pa@a.org"), "prg_2", "banner_abc", fakeLogos{size: 2000, head: png}, bo.ENOTFOUND, nil, "", "", ""},
		{"another org's admin", caller("boss@b.org"), "prg_1", "banner_abc", fakeLogos{size: 2000, head: png}, bo.EFORBIDDEN, nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *bo.Program
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin), GetProgramFn: program,
				UpdateProgramFn: func(_ context.Context, p bo.Program) error { got = &p; return nil }}
			svc := admin.NewService(f, admin.Config{Logos: tt.images})
			p, err := svc.UpdateProgram(context.Background(), tt.caller, "org_a", tt.program, admin.ProgramChange{BannerUploadID: &tt.upload})
			if tt.code != "" {
				if bo.ErrorCode(err) != tt.code || got != nil {
					t.Fatalf("code %q, written %v; want %q and nothing written (%v)", bo.ErrorCode(err), got != nil, tt.code, err)
				}
				if f := fieldsOf(err); !slices.Equal(f, tt.fields) {
					t.Fatalf("fields = %v, want %v", f, tt.fields)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("written %v, err %v", got != nil, err)
			}
			if got.BannerKey != tt.key || got.BannerContentType != tt.ct || got.Name != "Data" {
				t.Fatalf("stored banner %q (%q), name %q; want %q (%q)", got.BannerKey, got.BannerContentType, got.Name, tt.key, tt.ct)
			}
			if p.BannerURL != tt.url {
				t.Fatalf("banner link %q, want %q", p.BannerURL, tt.url)
			}
		})
	}
}

func TestStartBannerUpload(t *testing.T) {
	tests := []struct {
		name    string
		caller  bo.Caller
		program string
		in      admin.NewLogoUpload
		code    string
		fields  []string
	}{
		{"program admin, jpeg", caller("pa@a.org"), "prg_1", admin.NewLogoUpload{ContentType: "image/jpeg", Size: 5000}, "", nil},
		{"svg", caller("pa@a.org"), "prg_1", admin.NewLogoUpload{ContentType: "image/svg+xml", Size: 5000}, bo.EINVALID, []string{"contentType"}},
		{"too large", caller("boss@a.org"), "prg_1", admin.NewLogoUpload{ContentType: "image/png", Size: admin.MaxLogoBytes + 1}, bo.EINVALID, []string{"size"}},
		{"another program's admin", caller("pa@a.org"), "prg_2", admin.NewLogoUpload{ContentType: "image/png", Size: 10}, bo.ENOTFOUND, nil},
		{"another org's admin", caller("boss@b.org"), "prg_1", admin.NewLogoUpload{ContentType: "image/png", Size: 10}, bo.EFORBIDDEN, nil},
	}
	program := func(_ context.Context, orgID, id string) (bo.Program, error) {
		return bo.Program{OrgID: orgID, ID: id}, nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin), GetProgramFn: program}
			svc := admin.NewService(f, admin.Config{Logos: fakeLogos{}})
			up, err := svc.StartBannerUpload(context.Background(), tt.caller, "org_a", tt.program, tt.in)
			if c := bo.ErrorCode(err); c != tt.code {
				t.Fatalf("code %q, want %q (%v)", c, tt.code, err)
			}
			if f := fieldsOf(err); !slices.Equal(f, tt.fields) {
				t.Fatalf("fields = %v, want %v", f, tt.fields)
			}
			if err == nil && (!strings.HasPrefix(up.ID, "banner_") || !strings.HasSuffix(up.UploadURL, "banners/org_a/"+tt.program+"/"+up.ID)) {
				t.Fatalf("upload %+v", up)
			}
		})
	}
}

func TestOrgAnswerNamesCallerRole(t *testing.T) {
	for email, want := range map[string]bo.Role{"boss@a.org": bo.RoleOrgAdmin, "pa@a.org": bo.RoleProgramAdmin} {
		f := withOrg(&fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin)}, bo.Brand{})
		org, err := newService(f).GetOrg(context.Background(), caller(email), "org_a")
		if err != nil || org.CallerRole != want {
			t.Errorf("%s: role %q (%v), want %q", email, org.CallerRole, err, want)
		}
	}
}
