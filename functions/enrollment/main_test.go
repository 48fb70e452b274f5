package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/learnops/backoffice/shared/app/env"
	"github.com/learnops/backoffice/shared/app/wire"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/testkit/wiretest"
)

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	_, _, err := wire.ReadEnrollment(env.NewFrom(env.Map(nil)))
	for _, name := range []string{"TABLE_NAME", "LEARNER_APP_URL", "MAIL_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestSampleEvents replays events/enrollment for a member of a program
// whose catalogue has the sample's course.
func TestSampleEvents(t *testing.T) {
	w := wiretest.NewWorld(t, 5)
	ctx := context.Background()
	item := bo.CatalogItem{ID: "python-data-analysis", Type: bo.ItemCourse, Name: "Python for Data Analysis"}
	if _, err := w.Admin.CreateCollection(ctx, w.Boss, w.Org.ID, w.Program.ID, admin.NewCollection{Name: "Start", Items: []bo.CatalogItem{item}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Store.AddDomain(ctx, bo.WhitelistedDomain{ProgramID: w.Program.ID, Domain: "acme.edu", Display: "acme.edu",
		ContractID: w.Contract.ID, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	join := wire.Join(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadJoin), slog.New(slog.DiscardHandler))
	var ev events.APIGatewayV2HTTPRequest
	w.Event(t, "join", "join.json", &ev, map[string]string{"slug_x": w.Program.Slug})
	if res, err := join(ctx, ev); err != nil || res.StatusCode != 200 {
		t.Fatalf("join: %d %s %v", res.StatusCode, res.Body, err)
	}

	h := wire.Enrollment(w.AWS, wiretest.Settings(t, w.Env(), wire.ReadEnrollment), slog.New(slog.DiscardHandler))
	slug := map[string]string{"slug_x": w.Program.Slug}
	w.Replay(t, "enrollment", h, []wiretest.Case{
		{File: "catalog.json", Replace: slug, Status: 200, Want: []string{`"enrolled":false`, `"enrollmentsLeft":null`}},
		{File: "enroll.json", Replace: slug, Status: 201, Want: []string{`"state":"ENROLLED"`}},
		{File: "catalog.json", Replace: slug, Status: 200, Want: []string{`"id":"python-data-analysis"`, `"enrolled":true`}},
		{File: "enroll.json", Replace: slug, Status: 409, Want: []string{`"code":"conflict"`}},
		{File: "list.json", Replace: slug, Status: 200, Want: []string{`"itemId":"python-data-analysis"`}},
		{File: "unenroll.json", Replace: slug, Status: 204},
		{File: "list.json", Replace: slug, Status: 200, Want: []string{`"state":"UNENROLLED"`}},
	})
}
