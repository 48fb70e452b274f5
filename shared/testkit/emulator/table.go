// Package emulator creates the back office's resources on a local
// AWS-compatible endpoint (moto or LocalStack) from the declarations in
// shared/app/resources: the same table, queues and bucket that the CDK app
// declares for AWS.
package emulator

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
)

// HTTPClient is the SDK's HTTP client for the local endpoint: one
// connection per request. moto's server (a werkzeug development server) can
// close a kept-alive connection while the SDK reads a response on it; the
// SDK then sees a truncated body, fails DynamoDB's CRC32 check and retries,
// which sends a conditional write a second time and makes it fail against
// its own first attempt (seen under make test's load).
var HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
	t.DisableKeepAlives = true
})

// CreateTableInput returns the request that creates the table described by
// spec under the given name: on-demand, with every index projecting all
// attributes or, when its spec says so, the ones it includes. It is what the local start-up sends, and what the infra tests
// compare the CDK template against.
func CreateTableInput(spec resources.TableSpec, name string) *dynamodb.CreateTableInput {
	seen := map[string]bool{}
	var defs []ddbtypes.AttributeDefinition
	define := func(a resources.Attribute) {
		if a.Name == "" || seen[a.Name] {
			return
		}
		seen[a.Name] = true
		defs = append(defs, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(a.Name),
			AttributeType: ddbtypes.ScalarAttributeType(a.Type),
		})
	}
	keySchema := func(pk, sk resources.Attribute) []ddbtypes.KeySchemaElement {
		define(pk)
		ks := []ddbtypes.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: ddbtypes.KeyTypeHash}}
		if sk.Name != "" {
			define(sk)
			ks = append(ks, ddbtypes.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: ddbtypes.KeyTypeRange})
		}
		return ks
	}

	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:   keySchema(spec.PartitionKey, spec.SortKey),
	}
	for _, ix := range spec.Indexes {
		projection := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll}
		if len(ix.Include) > 0 {
			projection = &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeInclude, NonKeyAttributes: ix.Include}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.PartitionKey, ix.SortKey),
			Projection: projection,
		})
	}
	in.AttributeDefinitions = defs
	return in
}
