package dynamo_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

// TestExportLifecycle takes a member export through its writes: created
// once, a run started and its progress recorded, a second run taking it
// over so that the first one's writes are refused, the end, and no new
// run once it is done.
func TestExportLifecycle(t *testing.T) {
	cfg := emulatortest.Config(t)
	table := emulatortest.NewTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	s := dynamo.NewStore(db, table)
	ctx := context.Background()
	e := members.Export{
		ID: bo.NewID("exp", t0), OrgID: "org_1", ProgramID: "prg_1", Status: members.ExportQueued,
		Selection: members.Selection{Status: bo.MemberInactive30, Sort: bo.MembersByJoined, Order: "desc", Search: "ma",
			ContractID: "con_1", CourseID: "c1", Columns: []string{"joinDate", "status"}},
		CreatedBy: "sub-boss", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
	}
	if err := s.CreateExport(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateExport(ctx, e); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("creating it again: %v, want a conflict", err)
	}
	if _, err := s.GetExport(ctx, "prg_1", "exp_nope"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("an unknown export: %v", err)
	}
	got, err := s.GetExport(ctx, "prg_1", e.ID)
	if err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("GetExport = %+v, %v\nwant %+v", got, err, e)
	}

	// The item: its key, type and TTL.
	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "PROGRAM#prg_1"}, "SK": &types.AttributeValueMemberS{Value: "EXPORT#" + e.ID},
	}})
	if err != nil || res.Item == nil {
		t.Fatalf("export item: %v, %v", res, err)
	}
	if typ := res.Item["type"].(*types.AttributeValueMemberS).Value; typ != "MemberExport" {
		t.Errorf("type = %q", typ)
	}
	ttl, ok := res.Item[resources.AttrTTL].(*types.AttributeValueMemberN)
	if !ok || ttl.Value != strconv.FormatInt(e.ExpiresAt.Unix(), 10) {
		t.Errorf("%s = %v, want the epoch seconds %d", resources.AttrTTL, res.Item[resources.AttrTTL], e.ExpiresAt.Unix())
	}

	start := func(run string, at time.Time) (members.Export, error) {
		r := e
		r.Status, r.RunID, r.FileKey, r.StartedAt, r.UpdatedAt = members.ExportRunning, run, "exports/prg_1/"+e.ID+"/"+run+".csv", &at, at
		return r, s.StartExport(ctx, r)
	}
	first, err := start("run_1", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	first.Rows = 2000
	if err := s.UpdateExport(ctx, first); err != nil {
		t.Fatalf("progress of the run that holds it: %v", err)
	}
	if got, _ := s.GetExport(ctx, "prg_1", e.ID); got.Rows != 2000 || got.RunID != "run_1" || got.Status != members.ExportRunning {
		t.Fatalf("after progress: %+v", got)
	}
	// A redelivery starts a second run: the first can no longer write.
	second, err := start("run_2", t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("a second run of a running export: %v", err)
	}
	first.Rows = 4000
	if err := s.UpdateExport(ctx, first); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("progress of the run taken over: %v, want a conflict", err)
	}
	done := t0.Add(2 * time.Minute)
	second.Status, second.Rows, second.Size, second.FinishedAt, second.UpdatedAt = members.ExportDone, 5000, 123456, &done, done
	if err := s.UpdateExport(ctx, second); err != nil {
		t.Fatalf("the end of the run that holds it: %v", err)
	}
	if got, _ := s.GetExport(ctx, "prg_1", e.ID); !reflect.DeepEqual(got, second) {
		t.Fatalf("done: %+v\nwant %+v", got, second)
	}
	if _, err := start("run_3", done); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("a run of a done export: %v, want a conflict", err)
	}
	if err := s.UpdateExport(ctx, second); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("writing a done export again: %v, want a conflict", err)
	}
	gone := e
	gone.ID = "exp_gone"
	if err := s.StartExport(ctx, gone); bo.ErrorCode(err) != bo.ECONFLICT {
		t.Fatalf("starting an export that does not exist: %v, want a conflict", err)
	}
}
