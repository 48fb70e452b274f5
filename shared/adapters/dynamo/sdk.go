package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// sdkClient is the SDK's DynamoDB client seen through Client only, as
// method values. It holds no *dynamodb.Client: a binary that runs templates
// (which call methods by name, through reflection) keeps every exported
// method of every type reachable from a value held in an interface, and so
// would link the whole DynamoDB API rather than the eight operations the
// store calls.
type sdkClient struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	batchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	batchWriteItem     func(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ Client = sdkClient{}

// Open returns a Store on the named table, with a DynamoDB client built from
// cfg (region, credentials and endpoint as the SDK resolved them).
func Open(cfg aws.Config, table string) *Store {
	c := dynamodb.NewFromConfig(cfg)
	return NewStore(sdkClient{
		getItem:            c.GetItem,
		putItem:            c.PutItem,
		updateItem:         c.UpdateItem,
		deleteItem:         c.DeleteItem,
		query:              c.Query,
		transactWriteItems: c.TransactWriteItems,
		batchGetItem:       c.BatchGetItem,
		batchWriteItem:     c.BatchWriteItem,
	}, table)
}

// GetItem calls the SDK's GetItem.
func (s sdkClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return s.getItem(ctx, in, opts...)
}

// PutItem calls the SDK's PutItem.
func (s sdkClient) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return s.putItem(ctx, in, opts...)
}

// UpdateItem calls the SDK's UpdateItem.
func (s sdkClient) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return s.updateItem(ctx, in, opts...)
}

// DeleteItem calls the SDK's DeleteItem.
func (s sdkClient) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return s.deleteItem(ctx, in, opts...)
}

// Query calls the SDK's Query.
func (s sdkClient) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return s.query(ctx, in, opts...)
}

// TransactWriteItems calls the SDK's TransactWriteItems.
func (s sdkClient) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return s.transactWriteItems(ctx, in, opts...)
}

// BatchGetItem calls the SDK's BatchGetItem.
func (s sdkClient) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return s.batchGetItem(ctx, in, opts...)
}

// BatchWriteItem calls the SDK's BatchWriteItem.
func (s sdkClient) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return s.batchWriteItem(ctx, in, opts...)
}
