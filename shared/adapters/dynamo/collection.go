package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

type collectionRecord struct {
	key
	meta
	ProgramID   string           `dynamodbav:"programId"`
	ID          string           `dynamodbav:"id"`
	Name        string           `dynamodbav:"name"`
	Description string           `dynamodbav:"description"`
	Position    int              `dynamodbav:"position"`
	Items       []bo.CatalogItem `dynamodbav:"items"`
	Version     int              `dynamodbav:"version"`
}

func (r collectionRecord) collection() bo.Collection {
	items := r.Items
	if items == nil {
		items = []bo.CatalogItem{}
	}
	return bo.Collection{
		ProgramID: r.ProgramID, ID: r.ID, Name: r.Name, Description: r.Description, Position: r.Position,
		Items: items, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// ListCollections returns every collection of the program, in key order.
func (s *Store) ListCollections(ctx context.Context, programID string) ([]bo.Collection, error) {
	recs, err := queryAll[collectionRecord](ctx, s, programPK(programID), prefixCollection)
	if err != nil {
		return nil, err
	}
	out := make([]bo.Collection, len(recs))
	for i, r := range recs {
		out[i] = r.collection()
	}
	return out, nil
}

// GetCollection returns one collection of the program, or ENOTFOUND.
func (s *Store) GetCollection(ctx context.Context, programID, collectionID string) (bo.Collection, error) {
	var r collectionRecord
	if err := s.get(ctx, collectionKey(programID, collectionID), &r, "collection "+collectionID+" not found"); err != nil {
		return bo.Collection{}, err
	}
	return r.collection(), nil
}

// PutCollections writes the collections in one transaction, each conditional
// on the version it was read at: a collection at Version 1 must be new, any
// other must still be at Version-1. It returns ECONFLICT when one changed in
// between.
func (s *Store) PutCollections(ctx context.Context, cs ...bo.Collection) error {
	items := make([]types.TransactWriteItem, 0, len(cs))
	for _, c := range cs {
		rec := collectionRecord{
			key: collectionKey(c.ProgramID, c.ID), meta: meta{Type: typeCollection, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt},
			ProgramID: c.ProgramID, ID: c.ID, Name: c.Name, Description: c.Description, Position: c.Position,
			Items: c.Items, Version: c.Version,
		}
		put := &types.Put{TableName: s.table, Item: marshal(rec), ConditionExpression: aws.String("attribute_not_exists(PK)")}
		if c.Version > 1 {
			put.ConditionExpression = aws.String("version = :prev")
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": num(c.Version - 1)}
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	if len(items) == 0 {
		return nil
	}
	return s.transact(ctx, items, func(i int) error {
		return bo.Errorf(bo.ECONFLICT, "collection %s changed at the same time; reload it and retry", cs[i].ID)
	})
}

// DeleteCollection deletes the collection if it is still at the version read.
// It returns ECONFLICT when it changed in between.
func (s *Store) DeleteCollection(ctx context.Context, c bo.Collection) error {
	err := s.deleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       mustKey(collectionKey(c.ProgramID, c.ID)),
		ConditionExpression:       aws.String("version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(c.Version)},
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "collection %s changed at the same time; reload it and retry", c.ID)
	} else if err != nil {
		return fmt.Errorf("delete collection %s: %w", c.ID, err)
	}
	return nil
}
