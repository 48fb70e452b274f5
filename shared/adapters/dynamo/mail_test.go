package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/adapters/dynamo"
	"github.com/learnops/backoffice/shared/app/resources"
	"github.com/learnops/backoffice/shared/testkit/emulatortest"
)

func TestMailClaimAndRelease(t *testing.T) {
	cfg := emulatortest.Config(t)
	table := emulatortest.NewTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	s := dynamo.NewStore(db, table)
	ctx := context.Background()
	const id = "invitation/inv_1/tok_1"

	before := time.Now()
	if ok, err := s.Claim(ctx, id); err != nil || !ok {
		t.Fatalf("first Claim = %v, %v; want true", ok, err)
	}
	if ok, err := s.Claim(ctx, id); err != nil || ok {
		t.Fatalf("second Claim = %v, %v; want false", ok, err)
	}
	if ok, err := s.Claim(ctx, "invitation/inv_2/tok_2"); err != nil || !ok {
		t.Fatalf("Claim of another ID = %v, %v; want true", ok, err)
	}

	res, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: dynamo.MailClaimPK(id)},
			"SK": &types.AttributeValueMemberS{Value: "MAIL"},
		},
	})
	if err != nil || res.Item == nil {
		t.Fatalf("claim item: %v, %v", res, err)
	}
	if typ := res.Item["type"].(*types.AttributeValueMemberS).Value; typ != "MailClaim" {
		t.Errorf("type = %q", typ)
	}
	// Ids name recipients: the claim keeps only the id's digest.
	if strings.Contains(fmt.Sprint(res.Item), "inv_1") {
		t.Errorf("claim item names its id: %v", res.Item)
	}
	for _, a := range []string{"createdAt", "updatedAt"} {
		if _, ok := res.Item[a]; !ok {
			t.Errorf("the claim has no %s", a)
		}
	}
	ttl, ok := res.Item[resources.AttrTTL].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("the claim has no numeric %s: %v", resources.AttrTTL, res.Item[resources.AttrTTL])
	}
	exp, _ := strconv.ParseInt(ttl.Value, 10, 64)
	if lo, hi := before.Add(dynamo.MailClaimTTL).Unix(), time.Now().Add(dynamo.MailClaimTTL).Unix(); exp < lo || exp > hi {
		t.Errorf("%s = %d, want 14 days from now in epoch seconds (%d..%d)", resources.AttrTTL, exp, lo, hi)
	}

	if err := s.Release(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx, id); err != nil || !ok {
		t.Fatalf("Claim after Release = %v, %v; want true", ok, err)
	}
	if err := s.Release(ctx, "never-claimed"); err != nil {
		t.Fatalf("Release of an unclaimed ID: %v", err)
	}
}

// TestConcurrentMailClaims races 20 claims of one email ID: exactly one wins.
func TestConcurrentMailClaims(t *testing.T) {
	s := newStore(t)
	const n = 20
	var wg sync.WaitGroup
	won := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { won[i], errs[i] = s.Claim(context.Background(), "welcome/mem_1") })
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if won[i] {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", winners, n)
	}
}
