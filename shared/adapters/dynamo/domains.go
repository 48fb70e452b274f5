package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

const typeDomain = "WhitelistedDomain"

type domainRecord struct {
	key
	meta
	ProgramID  string `dynamodbav:"programId"`
	Domain     string `dynamodbav:"domain"`
	Display    string `dynamodbav:"display"`
	ContractID string `dynamodbav:"contractId"`
}

func newDomainRecord(d bo.WhitelistedDomain) domainRecord {
	return domainRecord{
		key: domainKey(d.ProgramID, d.Domain), meta: meta{Type: typeDomain, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt},
		ProgramID: d.ProgramID, Domain: d.Domain, Display: d.Display, ContractID: d.ContractID,
	}
}

func (r domainRecord) domain() bo.WhitelistedDomain {
	return bo.WhitelistedDomain{ProgramID: r.ProgramID, Domain: r.Domain, Display: r.Display, ContractID: r.ContractID,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// AddDomain whitelists a domain for the program. It returns ECONFLICT when
// the domain is on the whitelist already.
func (s *Store) AddDomain(ctx context.Context, d bo.WhitelistedDomain) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: marshal(newDomainRecord(d)), ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return &bo.Error{Code: bo.ECONFLICT, Message: d.Domain + " is on the whitelist already",
			Details: []bo.FieldError{{Field: "domain", Message: "is on the whitelist already"}}}
	} else if err != nil {
		return fmt.Errorf("add domain %s: %w", d.Domain, err)
	}
	return nil
}

// GetDomain returns a whitelisted domain of the program by its normalised
// form, or ENOTFOUND.
func (s *Store) GetDomain(ctx context.Context, programID, asciiDomain string) (bo.WhitelistedDomain, error) {
	var r domainRecord
	if err := s.get(ctx, domainKey(programID, asciiDomain), &r, asciiDomain+" is not on the whitelist"); err != nil {
		return bo.WhitelistedDomain{}, err
	}
	return r.domain(), nil
}

// ListDomains returns a page of the program's whitelisted domains in
// alphabetical order, those starting with prefix.
func (s *Store) ListDomains(ctx context.Context, programID, prefix string, limit int, cursor string) ([]bo.WhitelistedDomain, string, error) {
	recs, next, err := queryPage[domainRecord](ctx, s, programPK(programID), prefixDomain+prefix, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.WhitelistedDomain, len(recs))
	for i, r := range recs {
		out[i] = r.domain()
	}
	return out, next, nil
}

// DeleteDomain takes a domain off the whitelist. It returns ENOTFOUND when
// it is not on it.
func (s *Store) DeleteDomain(ctx context.Context, programID, asciiDomain string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.table, Key: mustKey(domainKey(programID, asciiDomain)), ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ENOTFOUND, "%s is not on the whitelist", asciiDomain)
	} else if err != nil {
		return fmt.Errorf("delete domain %s: %w", asciiDomain, err)
	}
	return nil
}

// GetDomains returns the program's whitelisted domains among the given
// normalised domains, by domain (BatchGetItem, 100 keys a call).
func (s *Store) GetDomains(ctx context.Context, programID string, asciiDomains []string) (map[string]bo.WhitelistedDomain, error) {
	keys := make([]key, len(asciiDomains))
	for i, d := range asciiDomains {
		keys[i] = domainKey(programID, d)
	}
	recs, err := batchGet[domainRecord](ctx, s, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bo.WhitelistedDomain, len(recs))
	for _, r := range recs {
		out[r.Domain] = r.domain()
	}
	return out, nil
}

// batchWriteLimit is BatchWriteItem's limit of items per call.
const batchWriteLimit = 25

// PutDomains writes whitelisted domains, new or changed, with BatchWriteItem
// (25 a call, unprocessed items retried).
func (s *Store) PutDomains(ctx context.Context, ds []bo.WhitelistedDomain) error {
	reqs := make([]types.WriteRequest, len(ds))
	for i, d := range ds {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: marshal(newDomainRecord(d))}}
	}
	return s.batchWrite(ctx, reqs, "put domains")
}

// batchWrite makes the writes with BatchWriteItem (25 a call, unprocessed
// items retried); what names them in errors.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest, what string) error {
	for start := 0; start < len(reqs); start += batchWriteLimit {
		pending := map[string][]types.WriteRequest{*s.table: reqs[start:min(start+batchWriteLimit, len(reqs))]}
		for attempt := 0; len(pending) > 0; attempt++ {
			if err := pauseBeforeRetry(ctx, attempt); err != nil {
				return fmt.Errorf("%s: items still unprocessed: %w", what, err)
			}
			res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			pending = res.UnprocessedItems
		}
	}
	return nil
}

// batchGet reads the items with the keys, strongly consistently, decoding
// each into T (BatchGetItem, 100 keys a call, unprocessed keys retried).
// Missing items are left out; a key given twice is read once.
func batchGet[T any](ctx context.Context, s *Store, keys []key) ([]T, error) {
	return batchRead[T](ctx, s, keys, true)
}

// batchRead is batchGet, strongly consistent or not: an eventually
// consistent read costs half.
func batchRead[T any](ctx context.Context, s *Store, keys []key, consistent bool) ([]T, error) {
	seen := make(map[key]bool, len(keys))
	unique := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			unique = append(unique, k)
		}
	}
	keys = unique
	var out []T
	for start := 0; start < len(keys); start += batchGetLimit {
		avs := make([]map[string]types.AttributeValue, 0, batchGetLimit)
		for _, k := range keys[start:min(start+batchGetLimit, len(keys))] {
			avs = append(avs, mustKey(k))
		}
		req := map[string]types.KeysAndAttributes{*s.table: {Keys: avs, ConsistentRead: aws.Bool(consistent)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if err := pauseBeforeRetry(ctx, attempt); err != nil {
				return nil, fmt.Errorf("batch get: keys still unprocessed: %w", err)
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("batch get: %w", err)
			}
			var recs []T
			if err := attributevalue.UnmarshalListOfMaps(res.Responses[*s.table], &recs); err != nil {
				return nil, fmt.Errorf("batch get: decode: %w", err)
			}
			out = append(out, recs...)
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

// maxBatchAttempts bounds the calls of a batch whose items DynamoDB leaves
// unprocessed (throttling).
const maxBatchAttempts = 9

// pauseBeforeRetry waits before attempt (from 0) of a batch call, growing
// from 20 ms, and returns an error once maxBatchAttempts are spent or ctx
// ends.
func pauseBeforeRetry(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	if attempt >= maxBatchAttempts {
		return fmt.Errorf("gave up after %d attempts", attempt)
	}
	select {
	case <-time.After(time.Duration(1<<attempt) * 10 * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
