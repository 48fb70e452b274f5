// Package dynamo adapts the back office's storage to the single DynamoDB
// table: the key builders and access patterns (keys.go), item records, and
// the conditional writes and transactions that keep limits under races.
package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Client is the part of the DynamoDB API the store uses.
type Client interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ Client = (*dynamodb.Client)(nil)

// Store is the back office's storage on one DynamoDB table.
type Store struct {
	db    Client
	table *string
	// auditRetention is how long audit records are kept (see
	// SetAuditRetention).
	auditRetention time.Duration
}

// NewStore returns a Store on the named table.
func NewStore(db Client, table string) *Store {
	return &Store{db: db, table: aws.String(table)}
}

// Ping reads the health item; it returns an error when the table does not answer.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: mustKey(healthKey())})
	if err != nil {
		return fmt.Errorf("ping table: %w", err)
	}
	return nil
}

// mustKey marshals a key. Keys are two strings, so this cannot fail.
func mustKey(k key) map[string]types.AttributeValue {
	av, err := attributevalue.MarshalMap(k)
	if err != nil {
		panic(err)
	}
	return av
}

// marshal returns the item for a record; records are plain structs, so this
// cannot fail.
func marshal(v any) map[string]types.AttributeValue {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		panic(err)
	}
	return av
}

// get reads one item into out. It returns ENOTFOUND with notFound's text when
// there is no such item.
func (s *Store) get(ctx context.Context, k key, out any, notFound string) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: mustKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("get %s %s: %w", k.PK, k.SK, err)
	}
	if res.Item == nil {
		return bo.Errorf(bo.ENOTFOUND, "%s", notFound)
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", k.PK, k.SK, err)
	}
	return nil
}

// queryPage reads one page of the items in partition pk whose sort key
// begins with prefix, after the cursor, decoding each into T.
func queryPage[T any](ctx context.Context, s *Store, pk, prefix string, limit int, cursor string) ([]T, string, error) {
	start, err := decodeCursor(cursor, pk, prefix)
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
		ExclusiveStartKey:         start,
	}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query %s %s: %w", pk, prefix, err)
	}
	out := make([]T, 0, len(res.Items))
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &out); err != nil {
		return nil, "", fmt.Errorf("decode %s %s: %w", pk, prefix, err)
	}
	return out, encodeCursor(res.LastEvaluatedKey), nil
}

// queryAll reads every item of partition pk whose sort key begins with
// prefix. Use it only for partitions bounded by a limit (a program's
// collections).
func queryAll[T any](ctx context.Context, s *Store, pk, prefix string) ([]T, error) {
	var all []T
	cursor := ""
	for {
		page, next, err := queryPage[T](ctx, s, pk, prefix, 0, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// queryEvery runs the query page after page, one Query a page, and
// returns every item decoded; what names the query in errors.
func queryEvery[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, what string) ([]T, error) {
	var out []T
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		var page []T
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &page); err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
		out = append(out, page...)
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// encodeCursor turns DynamoDB's LastEvaluatedKey into an opaque cursor.
func encodeCursor(last map[string]types.AttributeValue) string {
	if len(last) == 0 {
		return ""
	}
	m := map[string]string{}
	if err := attributevalue.UnmarshalMap(last, &m); err != nil {
		panic(err) // every key attribute of the table is a string
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor turns a cursor back into an ExclusiveStartKey, and refuses a
// cursor that was not issued for this partition and prefix, so that a cursor
// can never reach into another org's items.
func decodeCursor(cursor, pk, prefix string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	bad := bo.Invalid("invalid cursor: use the nextCursor of the previous page",
		bo.FieldError{Field: "cursor", Message: "is not a cursor of this list"})
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if json.Unmarshal(b, &m) != nil || m["PK"] != pk || !strings.HasPrefix(m["SK"], prefix) {
		return nil, bad
	}
	for k := range m {
		if k != "PK" && k != "SK" {
			return nil, bad
		}
	}
	av, err := attributevalue.MarshalMap(m)
	if err != nil {
		return nil, bad
	}
	return av, nil
}

// isConditionFailed reports whether err is a failed condition of a single write.
// putIf writes item (a whole record) under the condition cond, with its
// attribute names and values (nil when it has none). It returns onFail when
// the condition fails, and the SDK's error, wrapped with what, otherwise.
func (s *Store) putIf(ctx context.Context, item map[string]types.AttributeValue, cond string, names map[string]string,
	values map[string]types.AttributeValue, onFail error, what string) error {
	err := s.putItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: item, ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return onFail
	} else if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancelledAt returns the indexes of the transaction's items whose condition
// failed, and false when err is not a cancelled transaction.
func cancelledAt(err error) ([]int, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	var failed []int
	for i, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			failed = append(failed, i)
		}
	}
	return failed, true
}

// transact writes the items in one transaction, with the copies of the
// audit record attached to ctx that no write has carried yet (after the
// items, so that onFail's indexes are the caller's). When a condition fails it
// returns onFail(i) for the first failing item i, or ECONFLICT when the
// transaction was cancelled for another reason (a concurrent transaction).
// Each call carries its own client request token, so that the SDK's retry
// of a transaction whose answer was lost is not applied twice (DynamoDB
// keeps the token ten minutes) and does not fail on its own first attempt.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem, onFail func(i int) error) error {
	items, done := s.withAudit(ctx, items)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(requestToken())})
	done(err == nil)
	if err == nil {
		return nil
	}
	failed, cancelled := cancelledAt(err)
	if !cancelled {
		return fmt.Errorf("transact write: %w", err)
	}
	if len(failed) > 0 {
		return onFail(failed[0])
	}
	return bo.Errorf(bo.ECONFLICT, "another change was made at the same time; retry")
}

// requestToken returns a fresh idempotency token for one transaction.
func requestToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}
