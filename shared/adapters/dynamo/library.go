package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/library"
)

const (
	typeLibraryItem = "LibraryItem"
	typeLibraryTerm = "LibraryTerm"
	typeItemCounts  = "ItemCounts"
)

// libraryRecord is a library item with the terms it is found by.
type libraryRecord struct {
	key
	meta
	Item    bo.CatalogItem `dynamodbav:"item"`
	Terms   []string       `dynamodbav:"terms"`
	Version int            `dynamodbav:"version"`
}

func (r libraryRecord) entry() library.Entry {
	return library.Entry{Item: r.Item, Terms: r.Terms, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// libraryTermRecord is one search term of a library item, carrying the
// item so that a search reads the terms alone.
type libraryTermRecord struct {
	key
	meta
	ItemType string         `dynamodbav:"itemType"`
	Item     bo.CatalogItem `dynamodbav:"item"`
}

// GetLibraryEntries returns the stored library entries of the ids that
// exist (BatchGetItem).
func (s *Store) GetLibraryEntries(ctx context.Context, ids []string) (map[string]library.Entry, error) {
	keys := make([]key, len(ids))
	for i, id := range ids {
		keys[i] = libraryItemKey(id)
	}
	recs, err := batchGet[libraryRecord](ctx, s, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]library.Entry, len(recs))
	for _, r := range recs {
		out[r.Item.ID] = r.entry()
	}
	return out, nil
}

// GetLibraryItem returns one item of the library, or ENOTFOUND.
func (s *Store) GetLibraryItem(ctx context.Context, id string) (bo.CatalogItem, error) {
	var r libraryRecord
	if err := s.get(ctx, libraryItemKey(id), &r, "no item "+id+" in the course library"); err != nil {
		return bo.CatalogItem{}, err
	}
	return r.Item, nil
}

// PutLibraryEntry writes a library item and its search terms in one
// transaction: the item under attribute_not_exists (new) or version = the
// version read (prev), each term put, and prev's terms that next lacks
// deleted. It returns ECONFLICT when the item changed in between.
func (s *Store) PutLibraryEntry(ctx context.Context, prev *library.Entry, next library.Entry) error {
	rec := libraryRecord{key: libraryItemKey(next.Item.ID), meta: meta{Type: typeLibraryItem, CreatedAt: next.CreatedAt, UpdatedAt: next.UpdatedAt},
		Item: next.Item, Terms: next.Terms, Version: next.Version}
	put := &types.Put{TableName: s.table, Item: marshal(rec), ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if prev != nil {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(prev.Version)}
	}
	items := []types.TransactWriteItem{{Put: put}}
	for _, t := range next.Terms {
		term := libraryTermRecord{key: libraryTermKey(t, next.Item.ID), meta: meta{Type: typeLibraryTerm, CreatedAt: next.UpdatedAt, UpdatedAt: next.UpdatedAt},
			ItemType: string(next.Item.Type), Item: next.Item}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: marshal(term)}})
	}
	if prev != nil {
		for _, t := range prev.Terms {
			if !slices.Contains(next.Terms, t) {
				items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: mustKey(libraryTermKey(t, next.Item.ID))}})
			}
		}
	}
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ECONFLICT, "library item %s changed at the same time; load it again", next.Item.ID)
	})
}

// SearchLibrary reads one page of the terms starting with the query's
// prefix: one Query of the term partition of the prefix's first two
// runes, SK begins_with the prefix, filtered on the item type when asked.
func (s *Store) SearchLibrary(ctx context.Context, q library.Query) ([]bo.CatalogItem, string, error) {
	pk, prefix := libraryTermPrefix(q.Prefix)
	start, err := decodeCursor(q.Page.Cursor, pk, prefix)
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
		ExclusiveStartKey:         start,
		Limit:                     aws.Int32(int32(q.Page.Limit)),
	}
	if q.Type != "" {
		in.FilterExpression = aws.String("itemType = :type")
		in.ExpressionAttributeValues[":type"] = str(string(q.Type))
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("search the library for %q: %w", q.Prefix, err)
	}
	var recs []libraryTermRecord
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
		return nil, "", fmt.Errorf("decode library terms: %w", err)
	}
	out := make([]bo.CatalogItem, len(recs))
	for i, r := range recs {
		out[i] = r.Item
	}
	return out, encodeCursor(res.LastEvaluatedKey), nil
}

var (
	_ library.Store = (*Store)(nil)
	_ admin.Store   = (*Store)(nil)
)

// itemCountsRecord is the counts of one catalogue item in one program.
type itemCountsRecord struct {
	ItemID string `dynamodbav:"itemId"`
	bo.ItemCounts
}

// ItemCounts returns the enrolled and completed counts of every item of
// the program that has some (Query PK=PROGRAM#<pid>, SK begins_with
// ITEMCOUNT#).
func (s *Store) ItemCounts(ctx context.Context, programID string) (map[string]bo.ItemCounts, error) {
	pk, prefix := itemCountsPrefix(programID)
	recs, err := queryAll[itemCountsRecord](ctx, s, pk, prefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bo.ItemCounts, len(recs))
	for _, r := range recs {
		out[r.ItemID] = r.ItemCounts
	}
	return out, nil
}

// deleteItemCounts deletes a deleted program's per-item counts (BatchWriteItem;
// a program's ids are never reused, so a count written after the read is
// only left behind, never counted again).
func (s *Store) deleteItemCounts(ctx context.Context, programID string) error {
	pk, prefix := itemCountsPrefix(programID)
	recs, err := queryAll[key](ctx, s, pk, prefix)
	if err != nil {
		return err
	}
	reqs := make([]types.WriteRequest, len(recs))
	for i, k := range recs {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: mustKey(k)}}
	}
	return s.batchWrite(ctx, reqs, "delete the item counts of program "+programID)
}

// countItem adds to an item's counts in a program, creating them on the
// first write: unconditional, so it never fails a transaction it is in.
func countItem(table *string, programID, itemID string, deltas map[string]int) types.TransactWriteItem {
	names := map[string]string{"#type": "type"}
	values := map[string]types.AttributeValue{":type": str(typeItemCounts), ":program": str(programID), ":item": str(itemID)}
	var adds []string
	for _, c := range slices.Sorted(mapsKeys(deltas)) {
		n := fmt.Sprintf("#c%d", len(adds))
		names[n], values[":v"+n[1:]] = c, num(deltas[c])
		adds = append(adds, n+" :v"+n[1:])
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: table, Key: mustKey(itemCountsKey(programID, itemID)),
		UpdateExpression:         aws.String("SET #type = :type, programId = :program, itemId = :item ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}
