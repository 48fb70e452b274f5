package local

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// TestSeedLibrary loads the demo library twice (the second load writes
// nothing) and finds its courses the way the console searches them.
func TestSeedLibrary(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
	svc := admin.NewService(store, admin.Config{LearnerAppURL: "https://learn.example.com"})
	res, err := Seed(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	lib := library.NewService(store, svc)
	for range 2 {
		if err := SeedLibrary(ctx, lib); err != nil {
			t.Fatal(err)
		}
	}
	items, _, err := lib.Search(ctx, Caller(DemoAdminEmail), res.OrgID, "learning", bo.ItemCourse, bo.Page{})
	if err != nil || len(items) != 1 || items[0].ID != "machine-learning-intro" {
		t.Fatalf("search 'learning': %+v %v", items, err)
	}
	items, _, err = lib.Search(ctx, Caller(DemoAdminEmail), res.OrgID, "demo univ", "", bo.Page{})
	if err != nil || len(items) != 4 {
		t.Fatalf("search 'demo univ': %+v %v", items, err)
	}
}
