package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
)

// TestProgramBannerIsKeptAndRemoved writes a program's banner with its
// other fields, reads it back, and removes it: the removal takes the
// attributes off the item rather than leaving empty ones.
func TestProgramBannerIsKeptAndRemoved(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 1)
	p, err := w.store.GetProgram(ctx, w.org.ID, w.program.ID)
	if err != nil || p.BannerKey != "" {
		t.Fatalf("a new program: %+v, %v", p, err)
	}
	p.BannerKey, p.BannerContentType = "banners/"+w.org.ID+"/"+p.ID+"/banner_1", "image/jpeg"
	p.Tagline, p.UpdatedAt = "With a banner", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := w.store.UpdateProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := w.store.GetProgramBySlug(ctx, p.Slug)
	if err != nil || got.BannerKey != p.BannerKey || got.BannerContentType != "image/jpeg" || got.Tagline != "With a banner" {
		t.Fatalf("stored %+v, %v", got, err)
	}
	got.BannerKey, got.BannerContentType = "", ""
	if err := w.store.UpdateProgram(ctx, got); err != nil {
		t.Fatal(err)
	}
	pk, sk := dynamo.ProgramKeyForTest(w.org.ID, p.ID)
	item, err := dynamo.ItemForTest(ctx, w.store, pk, sk)
	if err != nil || item == nil {
		t.Fatalf("the program's item: %v", err)
	}
	for _, attr := range []string{"bannerKey", "bannerContentType"} {
		if _, ok := item[attr]; ok {
			t.Errorf("a removed banner leaves %s on the item", attr)
		}
	}
	if again, _ := w.store.GetProgram(ctx, w.org.ID, p.ID); again.BannerKey != "" || again.Tagline != "With a banner" {
		t.Fatalf("after removal %+v", again)
	}
	missing := bo.Program{OrgID: w.org.ID, ID: "prg_missing", Name: "X", UpdatedAt: p.UpdatedAt}
	if err := w.store.UpdateProgram(ctx, missing); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("an unknown program: %v", err)
	}
}
