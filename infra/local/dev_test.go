package local

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ses"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/adapters/httpapi"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/library"
	"github.com/learnops/backoffice/shared/domain/profile"
	"github.com/learnops/backoffice/shared/testkit/emulator"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestSeedCreatesTheDemoData(t *testing.T) {
	cfg := emulatortest.Config(t)
	ctx := t.Context()
	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), emulatortest.NewTable(t, cfg))
	svc := admin.NewService(store, admin.Config{LearnerAppURL: "https://learn.example.com"})

	res, err := Seed(ctx, svc)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	as := Caller(DemoAdminEmail)

	org, err := svc.GetOrg(ctx, as, res.OrgID)
	if err != nil || org.Name != DemoOrgName {
		t.Errorf("org %+v, %v", org, err)
	}
	c, err := svc.GetContract(ctx, as, res.OrgID, res.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Licences != 100 || c.Unlimited || c.Status(time.Now()) != bo.ContractActive || !c.EndsAt.Equal(c.StartsAt.AddDate(1, 0, 0)) {
		t.Errorf("contract %+v, want 100 licences for a year from today", c)
	}
	p, err := svc.GetProgram(ctx, as, res.OrgID, res.ProgramID)
	if err != nil || p.Slug != DemoProgramSlug || p.Name != "Data Skills" || res.ProgramURL != "https://learn.example.com/programs/data-skills" {
		t.Errorf("program %+v (url %s), %v", p, res.ProgramURL, err)
	}
	cols, err := svc.ListCollections(ctx, as, res.OrgID, res.ProgramID)
	if err != nil || len(cols) != 1 || cols[0].ID != res.CollectionID {
		t.Fatalf("collections %+v, %v", cols, err)
	}
	var courses []string
	var spec bo.CatalogItem
	for _, it := range cols[0].Items {
		if it.Type == bo.ItemCourse {
			courses = append(courses, it.ID)
		} else {
			spec = it
		}
	}
	if len(courses) != 3 || spec.Type != bo.ItemSpecialization || !slices.Equal(spec.CourseIDs, courses) {
		t.Errorf("catalogue %+v, want three courses and a specialisation of them", cols[0].Items)
	}

	again, err := Seed(ctx, svc)
	if err != nil || again.OrgID != res.OrgID || again.ProgramID != res.ProgramID {
		t.Fatalf("second Seed = %+v, %v; want the first run's org and program reused", again, err)
	}
	if orgs := org.Counts.Programs; orgs != 1 {
		t.Fatalf("org counts %d programs after a second Seed", orgs)
	}
}

// syncBuffer is a bytes.Buffer that Run may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var curlLine = regexp.MustCompile(`curl -H "Authorization: Bearer ([^"]+)" (\S+)`)

func TestDevRunServesTheSeededSystemUntilCancelled(t *testing.T) {
	cfg := emulatortest.Config(t)
	names := emulator.UniqueNames("dev")
	emulatortest.DeleteOnCleanup(t, cfg, names)
	logger := slog.New(slog.DiscardHandler)
	store := dynamo.NewStore(dynamodb.NewFromConfig(cfg), names.Table)
	svc := admin.NewService(store, admin.Config{LearnerAppURL: "https://learn.example.com"})
	sender := "no-reply+" + strings.ToLower(emulator.UniquePrefix("dev")) + "x@learn.example.com"

	var workerStopped atomic.Bool
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Dev{
			AWS: cfg, Names: names, Addr: "127.0.0.1:0", Secret: []byte("dev-test"), Sender: sender,
			Routes:   httpapi.Routes,
			Handlers: map[string]Handler{httpapi.FunctionAdmin: Handler(httpapi.NewAdminHandler(svc, library.NewService(store, svc), profile.NewService(store, svc), store, logger))},
			Workers: map[string]func(context.Context) error{"wait": func(ctx context.Context) error {
				<-ctx.Done()
				workerStopped.Store(true)
				return ctx.Err()
			}},
			Admin: svc, Logger: logger, Out: out,
		}.Run(ctx)
	}()

	var m []string
	// A bound on progress: start-up provisions on the emulator, which a
	// loaded machine slows several times over.
	for deadline := time.Now().Add(3 * time.Minute); m == nil; {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if m = curlLine.FindStringSubmatch(out.String()); m == nil && time.Now().After(deadline) {
			t.Fatalf("no curl command printed:\n%s", out)
		}
	}

	// The line to paste sets what the README's examples use, to the same values.
	exports := regexp.MustCompile(`(?m)^    export BASE=(\S+) TOKEN=(\S+) ORG_ID=(\S+)$`).FindStringSubmatch(out.String())
	if exports == nil || exports[2] != m[1] || exports[1]+"/v1/orgs/"+exports[3] != m[2] {
		t.Errorf("no export line matching the curl %q:\n%s", m[1:], out)
	}

	req, _ := http.NewRequest("GET", m[2], nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), DemoOrgName) {
		t.Errorf("the printed curl answered %d %s", resp.StatusCode, body)
	}

	ids, err := ses.NewFromConfig(cfg).ListIdentities(t.Context(), &ses.ListIdentitiesInput{})
	if err != nil || !slices.Contains(ids.Identities, sender) {
		t.Errorf("sender %s not verified: %v %v", sender, ids, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatal("Run did not return after the context was cancelled")
	}
	if !workerStopped.Load() {
		t.Error("Run returned before its worker stopped")
	}
}
